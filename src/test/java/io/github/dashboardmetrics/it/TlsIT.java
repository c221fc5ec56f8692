package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.PreflightException;
import io.github.dashboardmetrics.source.SourcePreflight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL that refuses every connection without TLS (pg_hba {@code hostnossl ... reject}),
 * with a server certificate of a test CA. The job, given {@code sslmode=verify-full} and the CA in
 * its JDBC URL, must stream and write exactly, its replication connection encrypted too; given
 * {@code sslmode=disable}, it must be refused before it starts.
 */
class TlsIT {
    @Test
    void jobStreamsOverVerifiedTls(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("TlsIT");
        Path ca = createCertificates(dir);
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            requireTls(db, dir);
            String tlsUrl = "jdbc:postgresql://localhost:" + db.port() + "/postgres?sslmode=verify-full&sslrootcert=" + ca;
            DatabaseTarget target = new DatabaseTarget(tlsUrl, db.user(), db.password(), "unstract");

            DatabaseTarget plain = new DatabaseTarget(db.jdbcUrl() + "?sslmode=disable", db.user(), db.password(), "unstract");
            assertThatThrownBy(() -> SourcePreflight.check(plain, plain, "tls_job"))
                    .isInstanceOf(PreflightException.class).hasMessageContaining("no encryption");

            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(5).withHistoryDays(30).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(500);
                JobConfig config = new JobConfig(target, target, "tls_job", "tls_job", Startup.INITIAL,
                        dir.resolve("state"), null, 1000, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
                try (RunningJob job = RunningJob.start(config)) {
                    workload.run(500);
                    System.out.println(Exactness.awaitExact(target, target).summary(3));
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                    // polled: between two reads of the stream the walsender may be reconnecting
                    assertThat(Await.until("an encrypted walsender of the change stream", Duration.ofSeconds(60),
                            () -> encryptedWalSenders(target), n -> n > 0))
                            .as("the change stream's connection is encrypted").isPositive();
                }
            }
        }
    }

    /** A test CA and a server certificate for localhost signed by it; returns the CA certificate. */
    private static Path createCertificates(Path dir) throws Exception {
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=dashboard-metrics test CA");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
        Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        return dir.resolve("ca.crt");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("openssl " + String.join(" ", args) + ": " + output).isZero();
    }

    /** TLS on with the test certificate; every TCP connection without TLS refused. */
    private static void requireTls(EmbeddedDatabase db, Path dir) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET ssl_cert_file = '" + dir.resolve("server.crt") + "'");
            st.execute("ALTER SYSTEM SET ssl_key_file = '" + dir.resolve("server.key") + "'");
            st.execute("ALTER SYSTEM SET ssl = on");
            String hbaFile;
            try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
                rs.next();
                hbaFile = rs.getString(1);
            }
            Files.writeString(Path.of(hbaFile), String.join("\n",
                    "local all all trust",
                    "hostssl all all 127.0.0.1/32 trust",
                    "hostssl all all ::1/128 trust",
                    "hostssl replication all 127.0.0.1/32 trust",
                    "hostssl replication all ::1/128 trust",
                    "hostnossl all all 0.0.0.0/0 reject",
                    "hostnossl all all ::/0 reject",
                    "hostnossl replication all 0.0.0.0/0 reject",
                    "hostnossl replication all ::/0 reject", ""));
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private static long encryptedWalSenders(DatabaseTarget target) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                        + " WHERE a.backend_type = 'walsender' AND s.ssl")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
