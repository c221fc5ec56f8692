package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dashboardmetrics.cli.DatabaseOptions;
import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Application mode with JobManager HA (ZooKeeper, started by the test from Flink's shaded
 * ZooKeeper jar; checkpoints and job graphs in a file-system HA directory): the job's
 * {@code main()} runs inside the JobManager. The JobManager is killed (SIGKILL) while the job
 * streams, and started again while the database is down: {@code main()} runs again, waits for the
 * database instead of failing the application, accepts that the slot is held by its own restored
 * job, creates nothing twice; the same job comes back by itself from its latest checkpoint, and
 * verify finds no difference.
 */
class ApplicationModeFailoverIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(240);
    private static final WorkloadGenerator.Options WORKLOAD =
            WorkloadGenerator.Options.defaults().withOrganizations(4).withHistoryDays(20);

    @Test
    void jobManagerKilledAndRestartedWhileTheDatabaseIsDownComesBackExact(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path temp) throws Exception {
        long seed = Exactness.seed("ApplicationModeFailoverIT");
        EmbeddedDatabase.Options server = EmbeddedDatabase.Options.defaults().withDataDirectory(temp.resolve("pg"));
        EmbeddedDatabase db = EmbeddedDatabase.start(server);
        server = server.withPort(db.port()); // the same address after the restart
        try (ZooKeeperProcess zooKeeper = ZooKeeperProcess.start(temp.resolve("zookeeper"))) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            try (WorkloadGenerator before = new WorkloadGenerator(target, seed, WORKLOAD)) {
                before.setUp();
                before.run(1_000);
            }
            Map<String, String> ha = Map.of(
                    "high-availability.type", "zookeeper",
                    "high-availability.zookeeper.quorum", "127.0.0.1:" + zooKeeper.port,
                    "high-availability.storageDir", temp.resolve("ha").toUri().toString(),
                    "high-availability.cluster-id", "/dashboard-metrics-app-it",
                    "high-availability.zookeeper.client.session-timeout", "6 s",
                    "zookeeper.sasl.disable", "true",
                    "restart-strategy.exponential-delay.max-backoff", "5 s");
            List<String> args = List.of("run", "--db-url", db.jdbcUrl(), "--db-user", db.user(), "--slot", "app_it",
                    "--publication", "app_it", "--startup-retry-seconds", "180");
            try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.startApplication(temp.resolve("flink"), ha, jobJar(),
                    Main.class.getName(), args, Map.of(DatabaseOptions.PASSWORD_ENV, db.password()))) {
                String job = Await.until("the application's job running", CATCH_UP, () -> runningJob(cluster), id -> id != null);
                try (WorkloadGenerator during = new WorkloadGenerator(target, seed + 1, WORKLOAD)) {
                    during.setUp();
                    during.run(500);
                }
                Exactness.awaitExact(target, target);
                Await.until("a completed checkpoint", CATCH_UP,
                        () -> cluster.get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asInt(),
                        completed -> completed > 0);
                try (WorkloadGenerator inFlight = new WorkloadGenerator(target, seed + 2, WORKLOAD)) {
                    inFlight.setUp();
                    inFlight.run(300); // in flight when the JobManager dies
                    cluster.killJobManager();
                    inFlight.run(300); // while there is no JobManager
                }

                // The database goes down too, so that main() finds it unreachable when it runs again.
                // (End the replication connections first: a fast shutdown waits for walsenders.)
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'walsender'");
                }
                db.close();
                cluster.startJobManager();
                Path log = cluster.jobManagerLog();
                Await.until("main() of the new JobManager retrying the unreachable database", CATCH_UP,
                        () -> Files.exists(log) ? Files.readString(log) : "", text -> text.contains("unreachable at start"));
                assertThat(cluster.jobManagerAlive()).as("the JobManager waits for the database, it does not exit").isTrue();
                db = EmbeddedDatabase.start(server);

                try (WorkloadGenerator after = new WorkloadGenerator(target, seed + 3, WORKLOAD)) {
                    after.setUp();
                    after.run(500);
                }
                VerifyReport report = Exactness.awaitExact(target, target);
                System.out.println(report.summary(5));
                String afterFailover = Await.until("the job running again", CATCH_UP, () -> runningJob(cluster),
                        id -> id != null);
                assertThat(afterFailover).as("the same job, recovered (not a new one)").isEqualTo(job);
                JsonNode restored = cluster.get("/jobs/" + job + "/checkpoints").path("latest").path("restored");
                assertThat(restored.path("is_savepoint").asBoolean(true)).as("restored from a checkpoint: " + restored)
                        .isFalse();
                // main() ran again (it logged its retries) and got through: a main() that throws
                // exits with code 2 and takes the JobManager down with it.
                assertThat(cluster.jobManagerAlive()).as("the JobManager after main() ran again").isTrue();
                try (Connection c = db.connect(); Statement st = c.createStatement();
                        var rs = st.executeQuery("SELECT count(*) FROM pg_publication WHERE pubname = 'app_it'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("one publication").isEqualTo(1);
                }
            }
        } finally {
            db.close();
        }
    }

    /** The id of the one job in RUNNING state, or null. */
    private static String runningJob(StandaloneFlinkCluster cluster) {
        try {
            for (JsonNode job : cluster.get("/jobs").path("jobs")) {
                if ("RUNNING".equals(job.path("status").asText())) {
                    return job.path("id").asText();
                }
            }
        } catch (Exception e) {
            // REST endpoint not up (yet, or again)
        }
        return null;
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> jars = Files.list(Path.of("target"))) {
            return jars.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/*-job.jar: run mvn package first"));
        }
    }

    /** A ZooKeeper server process from Flink's shaded ZooKeeper (the cluster's class path). */
    static final class ZooKeeperProcess implements AutoCloseable {
        final int port;
        private final Process process;

        private ZooKeeperProcess(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        static ZooKeeperProcess start(Path dir) throws Exception {
            Files.createDirectories(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-cp", StandaloneFlinkCluster.classpath(),
                    "org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServerMain",
                    Integer.toString(port), dir.resolve("data").toString(), "1000"));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("zookeeper.log").toFile()).start();
            ZooKeeperProcess zk = new ZooKeeperProcess(port, process);
            Await.until("ZooKeeper listening on " + port, Duration.ofSeconds(60), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("ZooKeeper exited: " + Files.readString(dir.resolve("zookeeper.log")));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                    return true;
                } catch (IOException notYet) {
                    return false;
                }
            }, up -> up);
            return zk;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }

}
