package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The databases fail under the job, which runs as {@code run} in its own JVM with the rollup tables
 * in a second PostgreSQL ({@code --rollup-db-url}): the writer's connections killed again and
 * again, the rollup server down for longer than the writer retries, the source server restarted
 * while the job streams. Nothing is restarted by hand: the job must come back by itself, and
 * {@code verify} then finds no difference.
 */
class DatabaseFaultsIT {
    private static final Duration FAULT = Duration.ofSeconds(180);
    private static final WorkloadGenerator.Options WORKLOAD = WorkloadGenerator.Options.defaults()
            .withOrganizations(5).withHistoryDays(60).withHitlQueue(true);
    private static final String WRITERS = "application_name LIKE 'dashboard-metrics event_metrics%'";

    @Test
    void writerConnectionsTerminatedAgainAndAgainWhileItWrites(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("DatabaseFaultsIT.writerConnectionsTerminated");
        try (EmbeddedDatabase source = EmbeddedDatabase.start(); EmbeddedDatabase rollupDb = EmbeddedDatabase.start()) {
            DatabaseTarget target = unstract(source);
            DatabaseTarget rollup = rollupOnly(rollupDb);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, WORKLOAD);
                    JobProcess job = startJob(source, rollupDb, dir, workload)) {
                AtomicInteger terminated = new AtomicInteger();
                try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                    // Every poll kills whatever writer connection exists: idle between batches or mid-transaction.
                    Await.until("20 writer connections terminated while the job writes", FAULT,
                            () -> terminated.addAndGet(terminateWriters(rollup)), n -> n >= 20);
                }
                VerifyReport report = Exactness.awaitExact(target, rollup);
                System.out.println(report.summary(5));
                report(job, "writer connections terminated: " + terminated.get());
                assertThat(job.jobState()).isEqualTo("RUNNING");
            }
        }
    }

    @Test
    void rollupDatabaseDownLongerThanTheWriterRetriesThenBack(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("DatabaseFaultsIT.rollupDatabaseDown");
        EmbeddedDatabase.Options rollupServer = EmbeddedDatabase.Options.defaults().withDataDirectory(dir.resolve("rollup-pg"));
        try (EmbeddedDatabase source = EmbeddedDatabase.start()) {
            DatabaseTarget target = unstract(source);
            EmbeddedDatabase rollupDb = EmbeddedDatabase.start(rollupServer);
            try {
                DatabaseTarget rollup = rollupOnly(rollupDb);
                rollupServer = rollupServer.withPort(rollupDb.port()); // the same address after the restart
                try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, WORKLOAD);
                        JobProcess job = startJob(source, rollupDb, dir, workload)) {
                    try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                        Await.until("changes streaming", FAULT, load::changes, n -> n >= 300);
                        rollupDb.close();
                        // Down until the writer gave up retrying and failed the job over (in its exception history).
                        Await.until("the job to fail over for the rollup database", FAULT, job::failures,
                                failures -> !failures.isEmpty());
                        rollupDb = EmbeddedDatabase.start(rollupServer);
                        Await.until("changes after the restart", FAULT, load::changes, n -> n >= 1_000);
                    }
                    VerifyReport report = Exactness.awaitExact(target, rollup);
                    System.out.println(report.summary(5));
                    report(job, "rollup database restarted");
                    assertThat(job.failures()).as("the writer failed the job after its retries")
                            .anyMatch(f -> f.contains("BatchTransactionWriter") && f.contains("failed after"));
                    assertThat(job.jobState()).isEqualTo("RUNNING");
                }
            } finally {
                rollupDb.close();
            }
        }
    }

    @Test
    void sourceDatabaseRestartedWhileTheJobStreams(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("DatabaseFaultsIT.sourceDatabaseRestarted");
        EmbeddedDatabase.Options sourceServer = EmbeddedDatabase.Options.defaults().withDataDirectory(dir.resolve("source-pg"));
        EmbeddedDatabase source = EmbeddedDatabase.start(sourceServer);
        try (EmbeddedDatabase rollupDb = EmbeddedDatabase.start()) {
            DatabaseTarget target = unstract(source);
            DatabaseTarget rollup = rollupOnly(rollupDb);
            sourceServer = sourceServer.withPort(source.port());
            try (JobProcess job = startJobWith(source, rollupDb, dir, new WorkloadGenerator(target, seed, WORKLOAD))) {
                try (WorkloadGenerator before = new WorkloadGenerator(target, seed + 1, WORKLOAD)) {
                    before.setUp();
                    before.run(1_500); // a burst the job is still streaming when the server goes down
                }
                // A fast shutdown waits until each logical walsender's client confirmed the WAL up to
                // the shutdown checkpoint, which a CDC client never does (pg_ctl gives up after 5 s
                // here): like an operator, end the replication connections, then stop.
                try (Connection c = source.connect(); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'walsender'");
                }
                source.close();
                source = EmbeddedDatabase.start(sourceServer);
                try (WorkloadGenerator after = new WorkloadGenerator(target, seed + 2, WORKLOAD)) {
                    after.setUp();
                    after.run(1_500);
                }
                VerifyReport report = Exactness.awaitExact(target, rollup);
                System.out.println(report.summary(5));
                report(job, "source database restarted");
                assertThat(job.jobState()).isEqualTo("RUNNING");
                try (Connection c = source.connect(); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = 'faults'")) {
                    assertThat(rs.next()).as("the job's slot survived the restart").isTrue();
                    assertThat(rs.getBoolean(1)).as("and the job streams from it again").isTrue();
                }
            }
        } finally {
            source.close();
        }
    }

    /** Unstract's schema in {@code db}. */
    private static DatabaseTarget unstract(EmbeddedDatabase db) throws SQLException {
        db.createUnstractSchema("unstract", true);
        return db.target("unstract");
    }

    /** A database with only the three rollup tables (no organization table beside them). */
    private static DatabaseTarget rollupOnly(EmbeddedDatabase db) throws SQLException {
        db.createUnstractSchema("unstract", true);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE unstract.organization, unstract.workflow, unstract.pipeline, unstract.api_deployment,"
                    + " unstract.workflow_execution, unstract.workflow_file_execution, unstract.usage,"
                    + " unstract.page_usage, unstract.hitl_queue CASCADE");
        }
        return db.target("unstract");
    }

    /** History written, the job started on it and caught up (snapshot read and written). */
    private static JobProcess startJob(EmbeddedDatabase source, EmbeddedDatabase rollupDb, Path dir,
            WorkloadGenerator workload) throws Exception {
        workload.setUp();
        workload.run(2_000);
        JobProcess job = JobProcess.start(JobProcess.Command.run(List.of("--db-url", source.jdbcUrl(),
                "--db-user", source.user(), "--rollup-db-url", rollupDb.jdbcUrl(), "--slot", "faults",
                "--publication", "faults", "--state-dir", dir.resolve("state").toString(),
                "--checkpoint-interval-ms", "1000", "--flush-interval-ms", "200")), dir.resolve("job.log"));
        Exactness.awaitExact(source.target("unstract"), rollupDb.target("unstract"));
        return job;
    }

    /** {@link #startJob} with a workload of its own, closed once the history is written. */
    private static JobProcess startJobWith(EmbeddedDatabase source, EmbeddedDatabase rollupDb, Path dir,
            WorkloadGenerator workload) throws Exception {
        try (workload) {
            return startJob(source, rollupDb, dir, workload);
        }
    }

    private static int terminateWriters(DatabaseTarget rollup) throws SQLException {
        try (Connection c = rollup.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE " + WRITERS)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Prints what the job did about the fault: its restarts and the writer's retries. */
    private static void report(JobProcess job, String fault) throws Exception {
        long retries = job.log().lines().filter(l -> l.contains("reconnecting and retrying")).count();
        List<String> failures = job.failures();
        System.out.printf("DatabaseFaultsIT: %s; writer retries logged: %d; job restarts: %d%n", fault, retries,
                failures.size());
        failures.forEach(f -> System.out.println("  restart cause: " + f.lines().findFirst().orElse("")));
    }
}
