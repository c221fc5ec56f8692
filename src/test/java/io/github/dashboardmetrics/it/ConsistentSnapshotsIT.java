package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.verify.Recheck;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a dashboard sees while the job streams: a reader takes snapshot after snapshot of the
 * three rollup tables and the progress row, each in one REPEATABLE READ transaction, while a
 * randomized workload streams into {@code run} (parallelism 2), across a SIGKILL and a restart
 * with the same command, and across a stop with a savepoint (changes streaming meanwhile) resumed
 * at parallelism 3. Every snapshot must be a state that existed: every day equal to the sum
 * of its hours and every month to the sum of its days (within the retention horizon), and the
 * progress position never moving backwards. At the end, verify is exact.
 */
class ConsistentSnapshotsIT {
    private static final Duration CATCH_UP = Exactness.CATCH_UP;
    /** Days whose every hour is still within the hourly retention (30 days), with a margin. */
    private static final int CHECKED_DAYS = 28;

    @Test
    void everySnapshotAReaderTakesIsAConsistentCutAcrossAKillAndRestart(@TempDir Path stateDir) throws Exception {
        long seed = Exactness.seed("ConsistentSnapshotsIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(10).withHistoryDays(60).withRecentFraction(0.6).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(3_000); // existing data, read by the snapshot
                List<String> args = List.of("--db-url", db.jdbcUrl(), "--db-user", db.user(), "--slot",
                        "consistent_cuts", "--publication", "consistent_cuts", "--state-dir", stateDir.toString(),
                        "--checkpoint-interval-ms", "500",
                        // Checkpoints in the snapshot too: the first run is killed in it, after one.
                        "--snapshot-checkpoint-interval-ms", "500");
                JobProcess.Command command = JobProcess.Command.run(with(args, "--parallelism", "2"));
                String savepoint;
                try (Reader reader = Reader.start(target)) {
                    JobProcess first = JobProcess.start(command, stateDir.resolve("first-run.log"));
                    try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                        Await.until("a completed checkpoint, 2,000 changes streamed and 20 snapshots", CATCH_UP,
                                () -> CheckpointLocator.latestCompleted(stateDir.resolve("checkpoints")).isPresent()
                                        && load.changes() >= 2_000 && reader.snapshots() >= 20, ok -> ok);
                    } finally {
                        first.kill();
                    }
                    workload.run(1_000); // piles up in the slot while the job is down

                    try (JobProcess second = JobProcess.start(command, stateDir.resolve("second-run.log"))) {
                        long before = reader.snapshots();
                        try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                            Await.until("2,000 changes streamed and 30 more snapshots", CATCH_UP,
                                    () -> load.changes() >= 2_000 && reader.snapshots() >= before + 30, ok -> ok);
                        }
                        VerifyReport report = Exactness.awaitExact(target, target);
                        System.out.println(report.summary(5));
                        assertThat(second.log()).contains("Resuming from").contains("Rollup committer restored");
                        assertThat(second.isAlive()).as("job still running").isTrue();
                        try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                            Await.until("200 changes streaming while the savepoint is taken", CATCH_UP,
                                    load::changes, n -> n >= 200);
                            savepoint = second.stopWithSavepoint(stateDir.resolve("savepoints"), CATCH_UP);
                        }
                    }
                    System.out.println("ConsistentSnapshotsIT: stopped with savepoint " + savepoint);
                    workload.run(500); // while the job is down

                    // An upgrade or rescale: the savepoint resumed at another parallelism.
                    JobProcess.Command rescaled = JobProcess.Command.run(
                            with(args, "--parallelism", "3", "--from-savepoint", savepoint));
                    try (JobProcess third = JobProcess.start(rescaled, stateDir.resolve("third-run.log"))) {
                        long before = reader.snapshots();
                        try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                            Await.until("1,000 changes streamed and 20 more snapshots", CATCH_UP,
                                    () -> load.changes() >= 1_000 && reader.snapshots() >= before + 20, ok -> ok);
                        }
                        // verify as an operator runs it while Unstract keeps writing (about 20
                        // transactions a second): what the job had not committed at its first
                        // comparison agrees at a recheck, so it finds no difference.
                        try (BackgroundWorkload paced = BackgroundWorkload.start("paced-workload", () -> {
                            long changes = workload.step();
                            Thread.sleep(50); // the pace of the load, not a wait for a condition
                            return changes;
                        })) {
                            Await.until("the paced workload writing", CATCH_UP, paced::changes, n -> n >= 100);
                            VerifyReport underLoad = RollupVerifier.verify(target, target,
                                    VerifyScope.everything(Instant.now()), new Recheck(CATCH_UP, Duration.ofSeconds(1),
                                            line -> System.out.println("ConsistentSnapshotsIT: verify: " + line)));
                            System.out.println(underLoad.summary(5));
                            assertThat(underLoad.isEqual()).as("verify while changes keep coming").isTrue();
                        }
                        VerifyReport report = Exactness.awaitExact(target, target);
                        System.out.println(report.summary(5));
                        assertThat(third.log()).contains("Resuming from " + savepoint)
                                .contains("Rollup committer restored");
                        assertThat(third.isAlive()).as("job still running").isTrue();
                    }
                    reader.stop();
                    System.out.println("ConsistentSnapshotsIT: " + reader.snapshots() + " snapshots, "
                            + reader.progressSeen().size() + " distinct positions, checked buckets per snapshot up to "
                            + reader.maxBucketsChecked());
                    assertThat(reader.violations()).as("snapshots that were not a consistent cut").isEmpty();
                    assertThat(reader.snapshots()).isGreaterThanOrEqualTo(50);
                    assertThat(reader.progressSeen()).as("the progress row moved").hasSizeGreaterThan(5);
                    assertThat(reader.maxBucketsChecked()).as("snapshots had rows to compare").isGreaterThan(100);
                }
            }
        }
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** The dashboard: snapshots of the rollups and the progress row, one REPEATABLE READ transaction each. */
    static final class Reader implements AutoCloseable {
        private final DatabaseTarget target;
        private final Thread thread;
        private final List<String> violations = new ArrayList<>();
        private final Set<String> progressSeen = new HashSet<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private volatile long snapshots;
        private volatile long maxBucketsChecked;
        private long[] lastPosition;

        private Reader(DatabaseTarget target) {
            this.target = target;
            this.thread = new Thread(this::loop, "snapshot-reader");
            thread.setDaemon(true);
        }

        static Reader start(DatabaseTarget target) {
            Reader reader = new Reader(target);
            reader.thread.start();
            return reader;
        }

        private void loop() {
            try (Connection c = target.connect()) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                while (running) {
                    snapshot(c);
                    c.commit();
                    snapshots++;
                    Thread.sleep(100); // pacing between snapshots, not a wait for a condition
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        private void snapshot(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                long[] position = null;
                boolean hasProgressTable;
                try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + ProgressTable.TABLE + "') IS NOT NULL")) {
                    rs.next();
                    hasProgressTable = rs.getBoolean(1); // created by the job's preflight
                }
                try (ResultSet rs = !hasProgressTable ? null : st.executeQuery("SELECT coalesce((source_lsn - '0/0'::pg_lsn)::bigint, -1),"
                        + " changes_reflected, checkpoint_id FROM " + ProgressTable.TABLE)) {
                    if (rs != null && rs.next()) {
                        position = new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
                    }
                }
                String horizon = "(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '" + CHECKED_DAYS + " days')";
                Map<String, double[]> hoursByDay = sums(st, "SELECT organization_id, metric_name,"
                        + " (\"timestamp\" AT TIME ZONE 'UTC')::date, sum(metric_value), sum(metric_count)"
                        + " FROM event_metrics_hourly WHERE \"timestamp\" AT TIME ZONE 'UTC' >= " + horizon
                        + " GROUP BY 1, 2, 3");
                Map<String, double[]> days = sums(st, "SELECT organization_id, metric_name, \"date\", metric_value,"
                        + " metric_count FROM event_metrics_daily WHERE \"date\" >= " + horizon);
                Map<String, double[]> daysByMonth = sums(st, "SELECT organization_id, metric_name,"
                        + " date_trunc('month', \"date\")::date, sum(metric_value), sum(metric_count)"
                        + " FROM event_metrics_daily GROUP BY 1, 2, 3");
                Map<String, double[]> months = sums(st, "SELECT organization_id, metric_name, \"month\", metric_value,"
                        + " metric_count FROM event_metrics_monthly");
                List<String> wrong = new ArrayList<>();
                compare("day vs its hours", days, hoursByDay, wrong);
                compare("month vs its days", months, daysByMonth, wrong);
                maxBucketsChecked = Math.max(maxBucketsChecked, days.size() + months.size());
                if (position != null) {
                    progressSeen.add(position[0] + "/" + position[1]);
                    if (lastPosition != null && (position[0] < lastPosition[0]
                            || (position[0] == lastPosition[0] && position[1] < lastPosition[1]))) {
                        wrong.add("progress went back from lsn " + lastPosition[0] + " changes " + lastPosition[1]
                                + " (checkpoint " + lastPosition[2] + ") to lsn " + position[0] + " changes " + position[1]
                                + " (checkpoint " + position[2] + ")");
                    }
                    lastPosition = position;
                }
                if (!wrong.isEmpty()) {
                    synchronized (violations) {
                        violations.add("snapshot " + snapshots + " at " + (position == null ? "no progress row"
                                : "lsn " + position[0] + " checkpoint " + position[2]) + ": " + wrong.size()
                                + " mismatches, e.g. " + wrong.subList(0, Math.min(3, wrong.size())));
                    }
                }
            }
        }

        private static Map<String, double[]> sums(Statement st, String query) throws SQLException {
            Map<String, double[]> sums = new HashMap<>();
            try (ResultSet rs = st.executeQuery(query)) {
                while (rs.next()) {
                    sums.put(rs.getLong(1) + " " + rs.getString(2) + " " + rs.getString(3),
                            new double[] {rs.getDouble(4), rs.getDouble(5)});
                }
            }
            return sums;
        }

        /** Equal per key, a missing key counting as 0 (the value within floating-point rounding). */
        private static void compare(String what, Map<String, double[]> upper, Map<String, double[]> lower,
                List<String> wrong) {
            Set<String> keys = new HashSet<>(upper.keySet());
            keys.addAll(lower.keySet());
            for (String key : keys) {
                double[] u = upper.getOrDefault(key, new double[2]);
                double[] l = lower.getOrDefault(key, new double[2]);
                if (u[1] != l[1] || Math.abs(u[0] - l[0]) > 1e-6 * Math.max(1.0, Math.abs(u[0]))) {
                    wrong.add(what + " " + key + ": " + u[0] + "x" + (long) u[1] + " vs " + l[0] + "x" + (long) l[1]);
                }
            }
        }

        long snapshots() {
            Throwable e = failure.get();
            if (e != null) {
                throw new IllegalStateException("the snapshot reader failed", e);
            }
            return snapshots;
        }

        long maxBucketsChecked() {
            return maxBucketsChecked;
        }

        Set<String> progressSeen() {
            return progressSeen;
        }

        List<String> violations() {
            synchronized (violations) {
                return List.copyOf(violations);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
            snapshots();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
