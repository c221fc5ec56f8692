package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} in its own JVM, killed with SIGKILL at twelve distinct points of one workload and
 * each time started again with the very same command; {@code verify} is the judge, several times
 * on the way and at the end. Every point is reached by a condition the test observes (the job's
 * log, its checkpoints, {@code pg_locks}), never by a sleep:
 *
 * <ol>
 *   <li>started, before its source opened (the fresh start announced, no checkpoint);
 *   <li>mid-snapshot with a rollup write in flight (a writer transaction held open by
 *       {@link RollupGate}; the pipeline behind it backpressured, so the snapshot cannot finish);
 *   <li>mid-snapshot after a checkpoint of that run completed (the snapshot's rows not all written),
 *       then a third of the usage rows deleted while the job is down;
 *   <li>right after the snapshot was read and written (verify equal, no changes since);
 *   <li>streaming under load (a checkpoint of the run completed, changes still being written);
 *   <li>resuming: the checkpoint to restore found ("Resuming from" logged), before the job was built;
 *   <li>right after that, restoring: the committer's state restored (two kills in quick succession);
 *   <li>between a checkpoint's completion and its commit: a checkpoint that closed changes of a
 *       burst completed, its commit held in flight;
 *   <li>recovering: the restored run's first write (its re-commit of staged rows, or its first checkpoint's) in flight;
 *   <li>streaming a big source transaction (every usage row's cost doubled), its first write held
 *       in flight, the rest of it backpressured;
 *   <li>re-attribution: a transaction moving the busiest workflow to another organisation (and
 *       halving the costs back) read, its first write in flight;
 *   <li>during the retention cleanup (its delete of a row past retention held in flight).
 * </ol>
 */
class KillPointsIT {
    private static final Duration POINT = Duration.ofSeconds(180);

    private final List<String> timeline = new ArrayList<>();
    private JobProcess.Command command;
    private Path logs;
    private int runs;
    private long runStarted;

    @Test
    void sigkillAtTwelvePointsEachFollowedByTheSameCommandStaysExact(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("KillPointsIT");
        long testStarted = System.nanoTime();
        logs = dir;
        Path checkpoints = dir.resolve("state").resolve("checkpoints");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(8).withHistoryDays(100).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options);
                    RollupGate gate = RollupGate.install(target)) {
                workload.setUp();
                workload.run(5_000); // history, read by the snapshot
                System.out.println("KillPointsIT: usage rows " + SourceRows.copyUsage(target, 40_000)); // a snapshot that lasts
                command = JobProcess.Command.run(List.of("--db-url", db.jdbcUrl(), "--db-user", db.user(),
                        "--slot", "kill_points", "--publication", "kill_points",
                        "--state-dir", dir.resolve("state").toString(),
                        // a long flush interval: buckets stay pending (in state, unwritten) across checkpoints
                        "--checkpoint-interval-ms", "1000",
                        // The kill points in the snapshot need checkpoints in it, as often as after it.
                        "--snapshot-checkpoint-interval-ms", "1000"));

                JobProcess job = start();
                job.awaitLog("Starting fresh", POINT);
                kill(job, "1 started, before the source opened");
                assertThat(CheckpointLocator.latestCompleted(checkpoints)).isEmpty();

                // Held writes backpressure the whole pipeline: the snapshot cannot finish behind them.
                gate.holdWrites();
                JobProcess backpressured = start();
                awaitWhileAlive(backpressured, "a rollup write of the snapshot in flight", () -> gate.writersWaiting() > 0);
                kill(backpressured, "2 mid-snapshot, a rollup write in flight");
                gate.releaseWrites();

                Optional<Path> beforeThird = CheckpointLocator.latestCompleted(checkpoints);
                JobProcess checkpointed = start();
                // Mid-snapshot when the first checkpoint comes before the snapshot is written; on a
                // fast machine the snapshot may be written first, and the kill follows right after.
                awaitWhileAlive(checkpointed, "a checkpoint of this run (while the snapshot is read if it is still)",
                        () -> newCheckpoint(checkpoints, beforeThird));
                kill(checkpointed, "3 during or right after the snapshot, after a checkpoint of this run");
                // The checkpoint may have cut a chunk of the snapshot: rows of it deleted now, while
                // the job is down, must not stay counted (a chunk read again misses them, and their
                // deletes come before its new watermark). Every chunk of usage loses about a third.
                System.out.println("KillPointsIT: usage rows deleted while down: "
                        + update(target, "DELETE FROM unstract.usage WHERE right(id::text, 1) < '5'"));

                job = start();
                Exactness.awaitExact(target, target);
                kill(job, "4 right after the snapshot was read and written");

                try (BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                    Optional<Path> before = CheckpointLocator.latestCompleted(checkpoints);
                    long changesBefore = load.changes();
                    JobProcess streaming = start();
                    awaitWhileAlive(streaming, "300 changes streamed and a checkpoint of this run",
                            () -> load.changes() - changesBefore >= 300 && newCheckpoint(checkpoints, before));
                    kill(streaming, "5 streaming under load");

                    JobProcess resuming = start();
                    resuming.awaitLog("Resuming from", POINT);
                    kill(resuming, "6 resuming: the checkpoint to restore found, before the job was built");
                    JobProcess restoring = start();
                    restoring.awaitLog("Rollup committer restored", POINT);
                    kill(restoring, "7 restoring, right after the committer's state was restored (quick succession)");
                }

                job = start();
                Exactness.awaitExact(target, target);
                Optional<Path> beforeBurst = CheckpointLocator.latestCompleted(checkpoints);
                gate.holdWrites();
                workload.run(200);
                // The commit of the first checkpoint that closed changes of the burst is held; later
                // checkpoints cannot complete behind it (the committer's thread waits).
                awaitWhileAlive(job, "a checkpoint with changes of the burst completed, its commit in flight",
                        () -> newCheckpoint(checkpoints, beforeBurst) && gate.writersWaiting() > 0);
                kill(job, "8 between a checkpoint's completion and its commit");
                gate.releaseWrites();

                gate.holdWrites();
                job = start();
                // The committer's restore line comes before its re-commit waits at the held gate: not needed here.
                job.awaitLog("Resuming from", POINT);
                JobProcess recovering = job;
                awaitWhileAlive(recovering, "the recovering run's first write in flight", () -> gate.writersWaiting() > 0);
                kill(recovering, "9 recovering, its first write in flight");
                gate.releaseWrites();

                job = start();
                Exactness.awaitExact(target, target);
                gate.holdWrites();
                int doubled = update(target, "UPDATE unstract.usage SET cost_in_dollars = cost_in_dollars * 2");
                assertThat(doubled).as("rows in the big transaction").isGreaterThan(500);
                JobProcess big = job;
                // The held write backpressures the source: the rest of the transaction waits in the WAL.
                awaitWhileAlive(big, "the big transaction's first write in flight", () -> gate.writersWaiting() > 0);
                kill(big, "10 streaming a big source transaction (" + doubled + " rows), its first write in flight");
                gate.releaseWrites();

                job = start();
                Exactness.awaitExact(target, target); // the doubled costs
                gate.holdWrites();
                Move move = moveBusiestWorkflow(target); // and halves the costs back, in the same transaction
                JobProcess moving = job;
                awaitWhileAlive(moving, "the re-attribution's first write in flight", () -> gate.writersWaiting() > 0);
                kill(moving, "11 re-attributing " + move.executions() + " executions to another organisation");
                gate.releaseWrites();

                long expiredOrganization = move.from();
                update(target, "INSERT INTO unstract.event_metrics_hourly (id, created_at, modified_at, \"timestamp\","
                        + " metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                        + " VALUES (gen_random_uuid(), now(), now(), date_trunc('hour', now() - interval '40 days'),"
                        + " 'documents_processed', 'counter', 1, 1, 'default', '', " + expiredOrganization + ")");
                gate.holdCleanup();
                job = start();
                JobProcess cleaning = job;
                awaitWhileAlive(cleaning, "the retention cleanup's delete in flight", () -> gate.cleanupsWaiting() > 0);
                kill(cleaning, "12 during the retention cleanup");
                gate.releaseCleanup();
                move.undo(target); // while the job is down: the workload's model is true again

                try (JobProcess last = start(); BackgroundWorkload load = BackgroundWorkload.start(workload)) {
                    Await.until("500 more changes", POINT, load::changes, n -> n >= 500);
                    load.close();
                    VerifyReport report = Exactness.awaitExact(target, target);
                    System.out.println(report.summary(5));
                    assertThat(last.isAlive()).as("the last run is still running").isTrue();
                    assertThat(last.log()).contains("Resuming from");
                    // the row 40 days old is gone (the cleaner ran at start); near the horizon the job keeps hours
                    assertThat(count(target, "SELECT count(*) FROM unstract.event_metrics_hourly"
                            + " WHERE \"timestamp\" < now() - interval '35 days'")).as("rows past retention").isZero();
                }
            }
        } finally {
            timeline.forEach(System.out::println);
            System.out.printf("KillPointsIT: %d runs in %d s%n", runs, (System.nanoTime() - testStarted) / 1_000_000_000);
        }
        assertThat(timeline).hasSize(12);
    }

    private JobProcess start() throws IOException {
        runs++;
        runStarted = System.nanoTime();
        return JobProcess.start(command, logs.resolve("run-" + runs + ".log"));
    }

    private void kill(JobProcess job, String point) throws InterruptedException {
        job.kill();
        timeline.add(String.format("KillPointsIT: kill point %s: run %d killed %d ms after its start", point, runs,
                (System.nanoTime() - runStarted) / 1_000_000));
    }

    /** Waits for {@code condition}; fails at once with the job's log if the job died before. */
    private static void awaitWhileAlive(JobProcess job, String what, Callable<Boolean> condition) throws Exception {
        Await.until(what, POINT, () -> {
            if (!job.isAlive()) {
                throw new AssertionError("the job died while waiting for " + what + ":\n" + job.log());
            }
            return condition.call();
        }, reached -> reached);
    }

    private static boolean newCheckpoint(Path checkpoints, Optional<Path> before) {
        Optional<Path> latest = CheckpointLocator.latestCompleted(checkpoints);
        return latest.isPresent() && !latest.equals(before);
    }

    private static int update(DatabaseTarget target, String sql) throws SQLException {
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            return st.executeUpdate(sql);
        }
    }

    private static long count(DatabaseTarget target, String sql) throws Exception {
        return Sql.longValue(target, sql);
    }

    /** A workflow moved from one organisation to another, with how many executions it carries along. */
    private record Move(String workflow, long from, long to, long executions) {
        void undo(DatabaseTarget target) throws SQLException {
            try (Connection c = target.connect();
                    PreparedStatement ps = c.prepareStatement(
                            "UPDATE unstract.workflow SET organization_id = ? WHERE id = ?::uuid")) {
                ps.setLong(1, from);
                ps.setString(2, workflow);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
    }

    /**
     * In one transaction: halves every usage cost (undoing the doubling) and moves the workflow
     * with the most executions to an organisation that has no workflow of that name.
     */
    private static Move moveBusiestWorkflow(DatabaseTarget target) throws SQLException {
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            String workflow;
            long from;
            long executions;
            try (ResultSet rs = st.executeQuery("SELECT w.id, w.organization_id, count(*) FROM unstract.workflow w"
                    + " JOIN unstract.workflow_execution e ON e.workflow_id = w.id WHERE w.organization_id IS NOT NULL"
                    + " GROUP BY w.id, w.organization_id ORDER BY count(*) DESC, w.id LIMIT 1")) {
                assertThat(rs.next()).as("a workflow with executions").isTrue();
                workflow = rs.getString(1);
                from = rs.getLong(2);
                executions = rs.getLong(3);
            }
            long to;
            try (ResultSet rs = st.executeQuery("SELECT o.id FROM unstract.organization o WHERE o.id <> " + from
                    + " AND NOT EXISTS (SELECT 1 FROM unstract.workflow w WHERE w.organization_id = o.id"
                    + " AND w.workflow_name = (SELECT workflow_name FROM unstract.workflow WHERE id = '" + workflow
                    + "')) ORDER BY o.id LIMIT 1")) {
                assertThat(rs.next()).as("another organisation").isTrue();
                to = rs.getLong(1);
            }
            st.executeUpdate("UPDATE unstract.usage SET cost_in_dollars = cost_in_dollars / 2");
            st.executeUpdate("UPDATE unstract.workflow SET organization_id = " + to + " WHERE id = '" + workflow + "'");
            c.commit();
            return new Move(workflow, from, to, executions);
        }
    }
}
