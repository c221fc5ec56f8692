package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.verify.Difference;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The databases fail under the job, which runs as {@code run} in its own JVM with the rollup tables
 * in a second PostgreSQL ({@code --rollup-db-url}): the writer's connections killed again and
 * again, the rollup server down for longer than the writer retries, the rollup server frozen
 * (SIGSTOP: connections open, nothing answers), the source server restarted while the job
 * streams. Nothing is restarted by hand: the job must come back by itself, and {@code verify} then
 * finds no difference. And a row the rollup database refuses for good (a trigger) goes to the
 * dead-letter table while the job keeps running.
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
    void rollupDatabaseStopsAnsweringWithoutClosingConnectionsThenContinues(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("DatabaseFaultsIT.rollupDatabaseStopsAnswering");
        Path rollupData = dir.resolve("rollup-pg");
        try (EmbeddedDatabase source = EmbeddedDatabase.start();
                EmbeddedDatabase rollupDb = EmbeddedDatabase.start(
                        EmbeddedDatabase.Options.defaults().withDataDirectory(rollupData))) {
            DatabaseTarget target = unstract(source);
            DatabaseTarget rollup = rollupOnly(rollupDb);
            // Small bounds, so the test is quick: a read waits at most 3 + 5 s, a login 3 s, two retries.
            List<String> bounded = List.of("--db-statement-timeout-s", "3", "--db-connect-timeout-s", "3",
                    "--write-retries", "2");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, WORKLOAD);
                    JobProcess job = startJob(source, rollupDb, dir, workload, bounded)) {
                long noticedMs;
                try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                    Await.until("changes streaming", FAULT, load::changes, n -> n >= 300);
                    List<Long> frozen = freeze(rollupData);
                    long stopped = System.nanoTime();
                    try {
                        // Without socket and login timeouts the writer's read blocks forever: nothing fails.
                        List<String> failures = Await.until("the job to notice the frozen rollup database",
                                Duration.ofSeconds(120), job::failures, f -> !f.isEmpty());
                        noticedMs = (System.nanoTime() - stopped) / 1_000_000;
                        assertThat(failures.get(failures.size() - 1)).as("the first failure: the writer, timed out")
                                .contains("BatchTransactionWriter").contains("failed after 3 attempts")
                                .containsIgnoringCase("timed out");
                    } finally {
                        signal("CONT", frozen);
                    }
                    long before = load.changes();
                    Await.until("changes after the server continued", FAULT, load::changes, n -> n >= before + 700);
                }
                VerifyReport report = Exactness.awaitExact(target, rollup);
                System.out.println(report.summary(5));
                report(job, "rollup database frozen (SIGSTOP) until the job noticed after " + noticedMs + " ms");
                assertThat(job.jobState()).isEqualTo("RUNNING");
            }
        }
    }

    @Test
    void aTriggerRejectingOneBucketDeadLettersItAndTheJobKeepsRunning(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("DatabaseFaultsIT.aTriggerRejectingOneBucket");
        try (EmbeddedDatabase source = EmbeddedDatabase.start(); EmbeddedDatabase rollupDb = EmbeddedDatabase.start()) {
            DatabaseTarget target = unstract(source);
            DatabaseTarget rollup = rollupOnly(rollupDb);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, WORKLOAD)) {
                workload.setUp();
                workload.run(2_000);
                // Against the still empty rollup tables every expected row is missing: pick an hourly one.
                List<Difference> hourly = RollupVerifier.verify(target, rollup, VerifyScope.everything(Instant.now()))
                        .table(Granularity.HOURLY).differences();
                assertThat(hourly).isNotEmpty();
                Difference refused = hourly.get(hourly.size() / 2);
                try (Connection c = rollup.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE FUNCTION unstract.refuse_one_bucket() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                            + " IF NEW.organization_id = " + refused.organizationId() + " AND NEW.\"timestamp\" = '"
                            + refused.bucket() + "'::timestamptz AND NEW.metric_name = '" + refused.metricName() + "'"
                            + " THEN RAISE EXCEPTION 'this bucket is refused by the test'; END IF; RETURN NEW; END $$");
                    st.execute("CREATE TRIGGER refuse_one_bucket BEFORE INSERT OR UPDATE ON unstract.event_metrics_hourly"
                            + " FOR EACH ROW EXECUTE FUNCTION unstract.refuse_one_bucket()");
                }
                try (JobProcess job = JobProcess.start(runCommand(source, rollupDb, dir, List.of()), dir.resolve("job.log"))) {
                    VerifyReport report = Await.until("every bucket but the refused one written", Exactness.CATCH_UP,
                            () -> RollupVerifier.verify(target, rollup, VerifyScope.everything(Instant.now())),
                            r -> r.differences().size() == 1 && r.differences().get(0).key().equals(refused.key()));
                    System.out.println(report.summary(5));
                    assertThat(report.differences().get(0).kind()).isEqualTo(Difference.Kind.MISSING);
                    assertThat(deadLetters(rollup)).as("the refused bucket, with the error").singleElement()
                            .satisfies(l -> assertThat(l).startsWith("event_metrics_hourly | not written | organization_id="
                                    + refused.organizationId() + " timestamp=").contains(" metric_name="
                                    + refused.metricName() + " | the database refused the write: ERROR: this bucket is"
                                    + " refused by the test").contains("[SQLState P0001]"));

                    workload.run(500); // the job goes on writing
                    report = Await.until("the later changes written, only the refused bucket differing",
                            Exactness.CATCH_UP, () -> RollupVerifier.verify(target, rollup,
                                    VerifyScope.everything(Instant.now())),
                            r -> r.differences().stream().allMatch(d -> d.key().equals(refused.key())));
                    System.out.println(report.summary(5));
                    assertThat(job.failures()).as("no restart: the refused row is not a failure").isEmpty();
                    assertThat(job.jobState()).isEqualTo("RUNNING");
                    assertThat(job.log()).contains("The database refused a row for event_metrics_hourly");
                }
            }
        }
    }

    /** Dead letters as "source_table | action | source_position | reason". */
    private static List<String> deadLetters(DatabaseTarget rollup) throws SQLException {
        List<String> letters = new ArrayList<>();
        try (Connection c = rollup.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT source_table || ' | ' || action || ' | ' || source_position || ' | ' || reason FROM unstract."
                        + DeadLetterTable.TABLE)) {
            while (rs.next()) {
                letters.add(rs.getString(1));
            }
        }
        return letters;
    }

    /**
     * SIGSTOP to the PostgreSQL server of {@code dataDirectory}: its postmaster (first, so that it
     * starts no new backend) and every process under it. Connections stay open; nothing answers.
     */
    private static List<Long> freeze(Path dataDirectory) throws Exception {
        long postmaster = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster);
        signal("STOP", pids);
        ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(p -> pids.add(p.pid()));
        signal("STOP", pids.subList(1, pids.size()));
        System.out.println("DatabaseFaultsIT: SIGSTOP to the rollup server's " + pids.size() + " processes");
        return pids;
    }

    private static void signal(String signal, List<Long> pids) throws Exception {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        assertThat(kill.waitFor()).as(String.join(" ", command)).isZero();
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
                EmbeddedDatabase restarted = source;
                // Polled: a reader reconnecting at the wrong instant leaves the slot inactive for a moment.
                Await.until("the job streaming from its slot again", Duration.ofSeconds(60), () -> {
                    try (Connection c = restarted.connect(); Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = 'faults'")) {
                        assertThat(rs.next()).as("the job's slot survived the restart").isTrue();
                        return rs.getBoolean(1);
                    }
                }, Boolean::booleanValue);
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
        return startJob(source, rollupDb, dir, workload, List.of());
    }

    /** The same, with more options for {@code run}. */
    private static JobProcess startJob(EmbeddedDatabase source, EmbeddedDatabase rollupDb, Path dir,
            WorkloadGenerator workload, List<String> moreOptions) throws Exception {
        workload.setUp();
        workload.run(2_000);
        JobProcess job = JobProcess.start(runCommand(source, rollupDb, dir, moreOptions), dir.resolve("job.log"));
        Exactness.awaitExact(source.target("unstract"), rollupDb.target("unstract"));
        return job;
    }

    private static JobProcess.Command runCommand(EmbeddedDatabase source, EmbeddedDatabase rollupDb, Path dir,
            List<String> moreOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("--db-url", source.jdbcUrl(),
                "--db-user", source.user(), "--rollup-db-url", rollupDb.jdbcUrl(), "--slot", "faults",
                "--publication", "faults", "--state-dir", dir.resolve("state").toString(),
                "--checkpoint-interval-ms", "1000"));
        args.addAll(moreOptions);
        return JobProcess.Command.run(args);
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
        job.log().lines().filter(l -> l.contains("reconnecting and retrying") || l.contains("The database refused a row"))
                .limit(8).forEach(l -> System.out.println("  job log: " + l));
    }
}
