package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real job (Flink CDC source over a real PostgreSQL, the pipeline, the JDBC sinks) against
 * randomized Unstract-like workloads, judged by {@code verify}'s SQL recomputation: existing data
 * read by the snapshot, changes streamed while the snapshot runs, a stop and a restart from the
 * retained checkpoint with changes made while the job was down.
 */
class StreamingExactnessIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private static EmbeddedDatabase db;

    @BeforeAll
    static void startDatabase() throws Exception {
        db = EmbeddedDatabase.start();
    }

    @AfterAll
    static void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    private static JobConfig config(DatabaseTarget target, String name, Path stateDir) {
        return new JobConfig(target, target, name, name, Startup.INITIAL, stateDir, null, 1000,
                RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
    }

    private static VerifyReport awaitExact(DatabaseTarget target) throws Exception {
        return Exactness.awaitExact(target, target);
    }

    /** An hourly row 40 days old and a daily row 400 days old, as Unstract's cleanup would find them. */
    private static void insertRowsPastRetention(DatabaseTarget target) throws Exception {
        try (java.sql.Connection c = target.connect(); java.sql.Statement st = c.createStatement()) {
            String org = "(SELECT min(id) FROM organization)";
            st.execute("INSERT INTO event_metrics_hourly (id, created_at, modified_at, \"timestamp\", metric_name, metric_type,"
                    + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), now(), now(),"
                    + " date_trunc('hour', now()) - interval '40 days', 'llm_calls', 'counter', 1, 1, 'default', '', " + org + ")");
            st.execute("INSERT INTO event_metrics_daily (id, created_at, modified_at, \"date\", metric_name, metric_type,"
                    + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), now(), now(),"
                    + " current_date - 400, 'llm_calls', 'counter', 1, 1, 'default', '', " + org + ")");
        }
        assertThat(countRowsPastRetention(target)).isEqualTo(2);
    }

    private static long countRowsPastRetention(DatabaseTarget target) throws Exception {
        try (java.sql.Connection c = target.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM event_metrics_hourly"
                        + " WHERE \"timestamp\" < now() - interval '31 days') + (SELECT count(*) FROM event_metrics_daily"
                        + " WHERE \"date\" < current_date - 366)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long seed() {
        return Exactness.seed("StreamingExactnessIT");
    }

    @Test
    void snapshotThenStreamThenRestartFromCheckpointStaysExact(@TempDir Path stateDir) throws Exception {
        String schema = "unstract";
        db.createUnstractSchema(schema, true);
        DatabaseTarget target = db.target(schema);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(20).withHistoryDays(100).withHitlQueue(true);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed(), options)) {
            workload.setUp();
            workload.run(2_000); // history the snapshot reads

            JobConfig config = config(target, "it_stream", stateDir);
            try (RunningJob job = RunningJob.start(config)) {
                assertThat(job.resumed).isFalse();
                workload.run(2_000); // streamed, partly while the snapshot runs
                VerifyReport report = awaitExact(target);
                System.out.println(report.summary(5));
                assertThat(report.table(io.github.dashboardmetrics.rollup.Granularity.HOURLY).actualRows()).isPositive();
                Await.until("a completed checkpoint", CATCH_UP,
                        () -> CheckpointLocator.latestCompleted(stateDir.resolve("checkpoints")), java.util.Optional::isPresent);
                workload.run(500); // some of these are after the last checkpoint: replayed on restart
            }

            workload.run(2_000); // while the job is down
            insertRowsPastRetention(target);

            try (RunningJob job = RunningJob.start(config)) {
                assertThat(job.resumed).as("resumed from the retained checkpoint").isTrue();
                workload.run(1_000);
                VerifyReport report = awaitExact(target);
                System.out.println(report.summary(5));
                assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                Await.until("rows past retention deleted by the job", CATCH_UP,
                        () -> countRowsPastRetention(target), n -> n == 0);
            }
        }
    }

    /**
     * The initial snapshot is a backlog to Flink, checkpointed at its own interval
     * ({@code SnapshotBacklogEnumerator}): with that interval longer than the snapshot, the tables
     * go from empty to the whole snapshot in one commit (a partly read database is never shown,
     * each rollup row is written once), and once the snapshot is read the streaming interval
     * applies again (with the hour-long snapshot interval still in force nothing would be
     * committed within the deadline).
     */
    @Test
    void snapshotIsCommittedAtItsOwnCheckpointInterval(@TempDir Path stateDir) throws Exception {
        String schema = "unstract_backlog";
        db.createUnstractSchema(schema, true);
        DatabaseTarget target = db.target(schema);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(40).withHitlQueue(true);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed(), options)) {
            workload.setUp();
            workload.run(1_000);
            // Long enough for many checkpoints at the streaming interval while it is read.
            System.out.println("usage rows: " + SourceRows.copyUsage(target, 60_000));
            long snapshotRows = SourceRows.captured(target);
            JobConfig config = new JobConfig(target, target, "it_backlog", "it_backlog", Startup.INITIAL, stateDir, null,
                    200, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0).withSnapshotCheckpointIntervalMs(3_600_000L);
            try (RunningJob job = RunningJob.start(config)) {
                long firstCommit = Await.until("the first commit of the snapshot", CATCH_UP,
                        () -> Sql.longValue(target, "SELECT coalesce(max(changes_reflected), 0)"
                                + " FROM " + ProgressTable.TABLE), n -> n > 0);
                assertThat(firstCommit).as("changes in the first commit: the whole snapshot").isEqualTo(snapshotRows);
                workload.run(500);
                VerifyReport report = awaitExact(target);
                System.out.println(report.summary(5));
            }
        }
    }

    @Test
    void runsWithoutHitlQueue(@TempDir Path stateDir) throws Exception {
        String schema = "unstract_oss";
        db.createUnstractSchema(schema, false);
        DatabaseTarget target = db.target(schema);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(40).withHitlQueue(false);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed(), options)) {
            workload.setUp();
            workload.run(500);
            try (RunningJob job = RunningJob.start(config(target, "it_oss", stateDir))) {
                workload.run(500);
                VerifyReport report = awaitExact(target);
                assertThat(report.table(io.github.dashboardmetrics.rollup.Granularity.DAILY).actualRows()).isPositive();
            }
        }
    }
}
