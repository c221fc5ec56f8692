package io.github.dashboardmetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import io.github.dashboardmetrics.sink.cache.RedisServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one committer in Flink's operator test harness against a real PostgreSQL and a real
 * redis-server: nothing before a checkpoint completes, then everything staged up to it in one
 * transaction with the progress row; rows of the next checkpoint wait; a crash between completion
 * and commit re-commits after restore; an older restored state holds back until it passes the
 * committed position; buckets keep their id; Redis keys go after the commit and once more later.
 */
class RollupCommitterTest {
    private static final String SCHEMA = "committer_test";
    private static final String HOURLY = Granularity.HOURLY.table();
    private static final long HOUR = Instant.parse("2026-01-05T07:00:00Z").toEpochMilli();
    private static final long DAY = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();
    private static final long MONTH = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final long SOURCE_TS = Instant.parse("2026-01-05T07:30:00Z").toEpochMilli();
    private static final DashboardCacheKeys KEYS = new DashboardCacheKeys(DashboardCacheKeys.DEFAULT_PREFIX);

    @TempDir
    static Path redisDir;
    private static EmbeddedDatabase db;
    private static DatabaseTarget target;
    private static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema(SCHEMA, false);
        target = db.target(SCHEMA);
        sql("INSERT INTO organization (id, name, display_name, organization_id, modified_at, created_at, "
                + "allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation) VALUES "
                + "(1, 'one', 'One', 'org_one', now(), now(), -1, false, false), "
                + "(2, 'two', 'Two', 'org_two', now(), now(), -1, false, false)");
        try (Connection c = target.connect()) {
            ProgressTable.ensure(c, SCHEMA);
            DeadLetterTable.ensure(c, SCHEMA);
        }
        redis = RedisServer.start(redisDir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void empty() throws Exception {
        for (Granularity g : Granularity.values()) {
            sql("DELETE FROM " + g.table());
        }
        sql("DELETE FROM " + ProgressTable.TABLE);
        sql("DELETE FROM " + DeadLetterTable.TABLE);
        redis.command("FLUSHALL");
    }

    private static RollupCommitter.Settings settings(CacheInvalidation cache) {
        return new RollupCommitter.Settings(target, true, 2, cache, 0);
    }

    private static RollupCommitter.Settings settings() {
        return settings(null);
    }

    private static RollupRow row(Granularity g, long org, String metric, long bucket, double value, long count) {
        return new RollupRow(g, org, metric, "counter", bucket, value, count, SOURCE_TS);
    }

    private static RollupRow hourly(long org, String metric, double value, long count) {
        return row(Granularity.HOURLY, org, metric, HOUR, value, count);
    }

    @Test
    void commitsNothingBeforeTheCheckpointCompletesThenAllTiersAndTheProgressInOneTransaction() throws Exception {
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 3, 3), row(Granularity.DAILY, 1, "llm_calls", DAY, 3, 3),
                    row(Granularity.MONTHLY, 1, "llm_calls", MONTH, 3, 3), hourly(2, "llm_calls", 1, 1));
            committer.progress(1_000, SOURCE_TS, 7);
            committer.barrier(1);
            committer.rows(hourly(2, "llm_calls", 5, 5)); // after barrier 1: belongs to checkpoint 2
            committer.progress(2_000, SOURCE_TS + 1_000, 2);
            assertThat(count("event_metrics_hourly")).as("checkpoint 1 not complete yet").isZero();

            committer.completed(1);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("3x3");
            assertThat(valueOf(HOURLY, 2, "llm_calls")).as("the row after barrier 1 waits").isEqualTo("1x1");
            assertThat(valueOf("event_metrics_daily", 1, "llm_calls")).isEqualTo("3x3");
            assertThat(valueOf("event_metrics_monthly", 1, "llm_calls")).isEqualTo("3x3");
            assertThat(one("SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM event_metrics_hourly UNION ALL"
                    + " SELECT xmin FROM event_metrics_daily UNION ALL SELECT xmin FROM event_metrics_monthly UNION ALL"
                    + " SELECT xmin FROM " + ProgressTable.TABLE + ") x")).as("one transaction").isEqualTo("1");
            assertThat(progress()).isEqualTo("0/3E8 7 1");
            assertThat(ProgressTable.read(target).orElseThrow().sourceTsMs()).isEqualTo(SOURCE_TS);

            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 2, "llm_calls")).isEqualTo("5x5");
            assertThat(progress()).isEqualTo("0/7D0 9 2");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.ROWS_UPSERTED)).isEqualTo(3);
            assertThat(committer.metrics.count("event_metrics_daily", JobMetrics.ROWS_UPSERTED)).isEqualTo(1);
            assertThat(committer.metrics.count(HOURLY, JobMetrics.BATCHES_COMMITTED)).isEqualTo(2);
            assertThat(committer.metrics.count(HOURLY, JobMetrics.FRESHNESS_MS)).as("one sample per row").isEqualTo(3);
            assertThat((Long) committer.metrics.gauge("", JobMetrics.COMMITTED_SOURCE_TIME_MS)).isEqualTo(SOURCE_TS + 1_000);
            assertThat((Long) committer.metrics.gauge("", JobMetrics.COMMITTED_LSN)).isEqualTo(2_000);
        }
    }

    @Test
    void aCommitInTheSourceDatabaseMarksItsPositionInTheWalForTheChangeStream() throws Exception {
        sql("CREATE PUBLICATION marks_test FOR TABLE organization");
        sql("SELECT pg_create_logical_replication_slot('marks_test', 'pgoutput')");
        try {
            for (boolean mark : new boolean[] {false, true}) {
                RollupCommitter.Settings settings = new RollupCommitter.Settings(target, true, 2, null, 0, mark);
                try (CommitterHarness committer = new CommitterHarness(settings, null)) {
                    committer.rows(hourly(1, "llm_calls", mark ? 2 : 1, 1));
                    committer.progress(mark ? 2_000 : 1_000, SOURCE_TS, 1);
                    committer.barrier(1);
                    committer.completed(1);
                }
                assertThat(marksIn("marks_test")).as("marks in the WAL of a commit with markSourcePosition=" + mark).isEqualTo(mark ? "1" : "0");
            }
        } finally {
            sql("SELECT pg_drop_replication_slot('marks_test')");
            sql("DROP PUBLICATION marks_test");
        }
    }

    @Test
    void anIdleCommitterMarksTheWalAloneOnceTheLastMarkIsOldEnough() throws Exception {
        sql("CREATE PUBLICATION idle_marks FOR TABLE organization");
        sql("SELECT pg_create_logical_replication_slot('idle_marks', 'pgoutput')");
        try {
            RollupCommitter.Settings settings = new RollupCommitter.Settings(target, true, 2, null, 0, true);
            try (CommitterHarness committer = new CommitterHarness(settings, null, c -> c.idleMarkIntervalMs(0))) {
                committer.barrier(1);
                committer.completed(1); // nothing staged: a mark alone
                committer.barrier(2);
                committer.completed(2);
            }
            assertThat(marksIn("idle_marks")).as("one mark per idle completion once the interval passed").isEqualTo("2");
            assertThat(progress()).as("no commit of the tables").isNull();
            try (CommitterHarness committer = new CommitterHarness(settings, null)) {
                committer.barrier(1);
                committer.completed(1); // the default interval has not passed since the start
            }
            assertThat(marksIn("idle_marks")).as("no mark within the interval").isEqualTo("0");
        } finally {
            sql("SELECT pg_drop_replication_slot('idle_marks')");
            sql("DROP PUBLICATION idle_marks");
        }
    }

    /** The job's position marks pgoutput sends a change stream (as Debezium asks it to: with messages), consumed. */
    private static String marksIn(String slot) throws Exception {
        return one("SELECT count(*) FROM pg_logical_slot_get_binary_changes('" + slot + "', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', '" + slot + "', 'messages', 'true')"
                + " WHERE get_byte(data, 0) = ascii('M')"
                + " AND position(convert_to('" + io.github.dashboardmetrics.source.PositionMark.MESSAGE_PREFIX
                + "', 'UTF8') IN data) > 0");
    }

    @Test
    void aCheckpointWithNothingNewOpensNoTransaction() throws Exception {
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.progress(100, SOURCE_TS, 1);
            committer.barrier(1);
            committer.completed(1);
            String xmin = one("SELECT xmin::text FROM " + ProgressTable.TABLE);
            committer.barrier(2);
            committer.completed(2);
            assertThat(one("SELECT xmin::text FROM " + ProgressTable.TABLE)).isEqualTo(xmin);

            committer.progress(200, SOURCE_TS, 4); // changes without rollup rows: only the progress row moves
            committer.barrier(3);
            committer.completed(3);
            assertThat(progress()).isEqualTo("0/C8 5 3");
        }
    }

    @Test
    void skipsTheBucketsOfAnOrganisationThatNoLongerExistsAndWritesTheRest() throws Exception {
        // Unstract deleted organisation 3 (its cascade removes its rows); its buckets are not written
        // again, and the foreign key never refuses them.
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 2, 2), hourly(3, "llm_calls", 5, 5),
                    row(Granularity.DAILY, 3, "llm_calls", DAY, 5, 5), row(Granularity.DAILY, 2, "llm_calls", DAY, 1, 1));
            committer.progress(100, SOURCE_TS, 4);
            committer.barrier(1);
            committer.completed(1);
            assertThat(one("SELECT string_agg(organization_id || ':' || metric_value, ',' ORDER BY organization_id)"
                    + " FROM (SELECT organization_id, metric_value FROM event_metrics_hourly UNION ALL"
                    + " SELECT organization_id, metric_value FROM event_metrics_daily) x")).isEqualTo("1:2,2:1");
            assertThat(count(DeadLetterTable.TABLE)).isZero();
            assertThat(progress()).isEqualTo("0/64 4 1");
        }
    }

    @Test
    void updatesInPlaceAndNeverDeletesABucketThatComesBackWithinOneCommit() throws Exception {
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.barrier(1);
            committer.completed(1);
            String idAndCreated = one("SELECT id || ' ' || created_at FROM event_metrics_hourly WHERE organization_id = 1");

            // To 0 and back between two commits (the rollup emitted early once), then a new value.
            committer.rows(hourly(1, "llm_calls", 0, 0), hourly(1, "llm_calls", 4, 2));
            committer.barrier(2);
            committer.rows(hourly(1, "llm_calls", 6, 3));
            committer.barrier(3);
            committer.completed(3); // 2 and 3 in one commit
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("6x3");
            assertThat(one("SELECT id || ' ' || created_at FROM event_metrics_hourly WHERE organization_id = 1"))
                    .as("same id and created_at").isEqualTo(idAndCreated);
            assertThat(committer.metrics.count(HOURLY, JobMetrics.ROWS_DELETED)).isZero();

            committer.rows(hourly(1, "llm_calls", 0, 0));
            committer.barrier(4);
            committer.completed(4);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isNull();
            assertThat(committer.metrics.count(HOURLY, JobMetrics.ROWS_DELETED)).isEqualTo(1);
        }
    }

    @Test
    void aCrashBetweenCompletionAndCommitCommitsAfterTheRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 2, 2), row(Granularity.DAILY, 1, "llm_calls", DAY, 2, 2));
            committer.progress(500, SOURCE_TS, 3);
            snapshot = committer.barrier(1);
            // checkpoint 1 completes, but the process dies before the notification reaches the committer
        }
        assertThat(count("event_metrics_hourly")).isZero();
        try (CommitterHarness restored = new CommitterHarness(settings(), snapshot)) {
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("committed on restore").isEqualTo("2x2");
            assertThat(valueOf("event_metrics_daily", 1, "llm_calls")).isEqualTo("2x2");
            assertThat(progress()).isEqualTo("0/1F4 3 1");

            restored.rows(hourly(1, "llm_calls", 3, 3));
            restored.progress(600, SOURCE_TS, 1);
            restored.barrier(2);
            restored.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("3x3");
            assertThat(progress()).isEqualTo("0/258 4 2");
        }
    }

    @Test
    void checkpointsTakenWhileATruncateIsAppliedAreHeldUntilOneAfterItsWalkAndSurviveARestore() throws Exception {
        OperatorSubtaskState midWalk;
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 9, 9), hourly(2, "llm_calls", 4, 4));
            committer.progress(1_000, SOURCE_TS, 13);
            committer.barrier(1);
            committer.completed(1);
            assertThat(progress()).isEqualTo("0/3E8 13 1");

            // A TRUNCATE of organisation 1's usage: its walk has retracted 5 of 9 calls by barrier 2,
            // while organisation 2 changed too.
            committer.rows(hourly(1, "llm_calls", 4, 4), hourly(2, "llm_calls", 6, 6));
            committer.progress(2_000, SOURCE_TS + 1_000, 3);
            committer.walkingAt(2);
            committer.walkingAt(2); // another subtask's walk
            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("the TRUNCATE part-way is not committed").isEqualTo("9x9");
            assertThat(valueOf(HOURLY, 2, "llm_calls")).as("nor what changed with it").isEqualTo("4x4");
            assertThat(progress()).isEqualTo("0/3E8 13 1");

            committer.rows(hourly(1, "llm_calls", 2, 2));
            committer.walkingAt(3);
            midWalk = committer.barrier(3);
            committer.completed(3);
            assertThat(progress()).as("still walking at barrier 3").isEqualTo("0/3E8 13 1");
        }
        try (CommitterHarness restored = new CommitterHarness(settings(), midWalk)) {
            assertThat(progress()).as("the restore commits nothing held for the walk").isEqualTo("0/3E8 13 1");
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("9x9");

            // The restored walk starts again and retracts the rest; barrier 4 still comes during it.
            restored.rows(hourly(1, "llm_calls", 1, 1));
            restored.walkingAt(4);
            restored.barrier(4);
            restored.completed(4);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("9x9");

            // The walk ends with its last retraction before barrier 5.
            restored.rows(hourly(1, "llm_calls", 0, 0));
            restored.barrier(5);
            restored.completed(5);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("the TRUNCATE whole, in one commit").isNull();
            assertThat(valueOf(HOURLY, 2, "llm_calls")).isEqualTo("6x6");
            assertThat(progress()).isEqualTo("0/7D0 16 5");
        }
    }

    @Test
    void aWalkThatEndsWithNothingElseChangedReleasesTheHeldCheckpoints() throws Exception {
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 3, 3));
            committer.progress(1_000, SOURCE_TS, 4);
            committer.walkingAt(1);
            committer.barrier(1);
            committer.completed(1);
            assertThat(count("event_metrics_hourly")).as("held for the walk").isZero();

            committer.barrier(2); // no row, no position: only the walk ended
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("3x3");
            assertThat(progress()).isEqualTo("0/3E8 4 2");
        }
    }

    @Test
    void anOlderRestoredStateHoldsBackUntilTheStreamPassesTheCommittedPosition() throws Exception {
        OperatorSubtaskState older;
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.progress(100, SOURCE_TS, 10);
            committer.barrier(1);
            committer.completed(1);
            older = committer.barrier(2); // a savepoint at position 100: nothing staged
            committer.rows(hourly(1, "llm_calls", 5, 5), hourly(2, "llm_calls", 7, 7));
            committer.progress(300, SOURCE_TS, 10);
            committer.barrier(3);
            committer.completed(3);
        }
        assertThat(progress()).isEqualTo("0/12C 20 3");

        // Resumed from the older savepoint: the replay passes through states older than the tables'.
        try (CommitterHarness resumed = new CommitterHarness(settings(), older)) {
            resumed.rows(hourly(1, "llm_calls", 3, 3));
            resumed.progress(200, SOURCE_TS, 5);
            resumed.barrier(3);
            resumed.completed(3);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("held back").isEqualTo("5x5");
            assertThat(valueOf(HOURLY, 2, "llm_calls")).isEqualTo("7x7");
            assertThat(progress()).isEqualTo("0/12C 20 3");

            resumed.rows(hourly(2, "llm_calls", 8, 8)); // a bucket changed only while held back
            resumed.progress(250, SOURCE_TS, 4);
            resumed.barrier(4);
            resumed.completed(4);
            assertThat(progress()).as("still before the committed LSN: still held").isEqualTo("0/12C 20 3");

            resumed.rows(hourly(1, "llm_calls", 6, 6));
            resumed.progress(400, SOURCE_TS + 5_000, 2);
            resumed.barrier(5);
            resumed.completed(5);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("6x6");
            assertThat(valueOf(HOURLY, 2, "llm_calls")).as("merged while held back").isEqualTo("8x8");
            assertThat(progress()).isEqualTo("0/190 21 5");
        }
    }

    @Test
    void aRestoredStreamWithoutWalPositionsIsNotHeldBackForever() throws Exception {
        OperatorSubtaskState older;
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            older = committer.barrier(1); // restored later: nothing staged, no position
            committer.rows(hourly(1, "llm_calls", 5, 5));
            committer.progress(300, SOURCE_TS, 10);
            committer.barrier(2);
            committer.completed(2);
        }
        assertThat(progress()).isEqualTo("0/12C 10 2");

        // A stream resumed in the middle of a snapshot: snapshot reads at 0, streamed changes without
        // a position. Its count never tells whether it passed the tables' position: it commits.
        try (CommitterHarness resumed = new CommitterHarness(settings(), older)) {
            resumed.rows(hourly(1, "llm_calls", 6, 6));
            resumed.progress(0, SOURCE_TS + 1_000, 3);
            resumed.barrier(2);
            resumed.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("committed, not held back").isEqualTo("6x6");
        }
    }

    @Test
    void deletesTheCachedKeysOfACommittedHourAfterTheCommitAndOnceMoreLater() throws Exception {
        List<String> stale = List.of(KEYS.hour(1, HOUR), KEYS.hourOfMetric(1, HOUR, "llm_calls"));
        String unrelated = KEYS.hour(2, HOUR);
        redis.set(stale);
        redis.set(List.of(unrelated));
        CacheInvalidation cache = new CacheInvalidation(redis.target(), DashboardCacheKeys.DEFAULT_PREFIX, 500, 1_000);
        try (CommitterHarness committer = new CommitterHarness(settings(cache), null)) {
            committer.rows(hourly(1, "llm_calls", 2, 2), row(Granularity.DAILY, 2, "llm_calls", DAY, 2, 2));
            committer.barrier(1);
            assertThat(redis.exists(stale.get(0))).as("not committed yet: still cached").isTrue();
            committer.completed(1);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("2x2");
            awaitGone(stale.get(0));
            assertThat(redis.exists(stale.get(1))).isFalse();
            assertThat(redis.exists(unrelated)).as("no hourly row of org 2 was committed").isTrue();

            redis.set(stale); // a dashboard request that read the old rows just before the commit
            awaitGone(stale.get(0));
            assertThat(redis.exists(stale.get(1))).isFalse();
            assertThat(committer.metrics.count(HOURLY, JobMetrics.CACHE_KEYS_INVALIDATED)).isEqualTo(4);
        }
    }

    @Test
    void aBucketCommittedAgainWithTheValuesItHasIsNotWrittenAndKeepsItsCachedKey() throws Exception {
        // Merged checkpoints can end where they began: such a bucket is neither rewritten nor uncached.
        CacheInvalidation cache = new CacheInvalidation(redis.target(), DashboardCacheKeys.DEFAULT_PREFIX, 1_000, 0);
        String unchanged = KEYS.hourOfMetric(1, HOUR, "llm_calls");
        List<String> changed = List.of(KEYS.hour(1, HOUR), KEYS.hourOfMetric(1, HOUR, "llm_usage"));
        try (CommitterHarness committer = new CommitterHarness(settings(cache), null)) {
            redis.set(List.of(unchanged));
            redis.set(changed);
            committer.rows(hourly(1, "llm_calls", 2, 2), hourly(1, "llm_usage", 5, 5));
            committer.barrier(1);
            committer.completed(1);
            // The first commit's deletions are done before the keys are cached again.
            awaitGone(unchanged);
            awaitGone(changed.get(0));
            awaitGone(changed.get(1));
            String xmin = one("SELECT xmin::text FROM event_metrics_hourly WHERE metric_name = 'llm_calls'");
            redis.set(List.of(unchanged));
            redis.set(changed);

            committer.rows(hourly(1, "llm_calls", 2, 2), hourly(1, "llm_usage", 6, 6));
            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_usage")).isEqualTo("6x6");
            awaitGone(changed.get(1));
            assertThat(redis.exists(changed.get(0))).isFalse();
            assertThat(redis.exists(unchanged)).as("the bucket whose values did not change").isTrue();
            assertThat(one("SELECT xmin::text FROM event_metrics_hourly WHERE metric_name = 'llm_calls'"))
                    .as("not written again").isEqualTo(xmin);
        }
    }

    @Test
    void retriesWhenItsConnectionIsKilledAndDeadLettersARowTheDatabaseRefuses() throws Exception {
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.barrier(1);
            committer.completed(1);
            assertThat(one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"
                    + RollupCommitter.APPLICATION_NAME + "'")).isEqualTo("1");
            committer.rows(hourly(1, "llm_calls", 2, 2));
            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("2x2");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isEqualTo(1);
            assertThat(committer.metrics.count("event_metrics_daily", JobMetrics.WRITE_RETRIES))
                    .as("no daily row in the retried transaction").isZero();

            committer.rows(hourly(1, "m".repeat(65), 1, 1), hourly(2, "llm_calls", 1, 1)); // metric_name is varchar(64)
            committer.progress(700, SOURCE_TS, 1);
            committer.barrier(3);
            committer.completed(3); // does not throw: retrying or restoring would meet the same refusal
            assertThat(valueOf(HOURLY, 2, "llm_calls")).as("the rest of the commit").isEqualTo("1x1");
            assertThat(one("SELECT source_table || ' | ' || action || ' | ' || source_position FROM "
                    + DeadLetterTable.TABLE)).isEqualTo("event_metrics_hourly | not written | organization_id=1 timestamp="
                            + "2026-01-05T07:00Z metric_name=" + "m".repeat(65));
            assertThat(one("SELECT reason FROM " + DeadLetterTable.TABLE)).contains("[SQLState 22001]");
            // One transaction (rows, dead letter and progress): BatchTransactionWriterTest shows it; the
            // isolation's savepoints are subtransactions, so xmin cannot tell here.
            assertThat(progress()).isEqualTo("0/2BC 1 3");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isEqualTo(1);
        }
    }

    @Test
    void failsAtOnceOnAnErrorThatIsNeitherTransientNorARefusedRow() throws Exception {
        sql("CREATE FUNCTION refuse_privilege() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " RAISE EXCEPTION 'no privilege' USING ERRCODE = 'insufficient_privilege'; END $$");
        sql("CREATE TRIGGER refuse_privilege BEFORE INSERT ON event_metrics_hourly FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_privilege()");
        try (CommitterHarness committer = new CommitterHarness(settings(), null)) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.barrier(1);
            assertThatThrownBy(() -> committer.completed(1)).hasStackTraceContaining("42501");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isZero();
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isZero();
        } finally {
            sql("DROP TRIGGER refuse_privilege ON event_metrics_hourly");
            sql("DROP FUNCTION refuse_privilege()");
        }
        assertThat(one("SELECT count(*) FROM " + DeadLetterTable.TABLE)).isEqualTo("0");
    }

    @Test
    void retriesACommitThatHitItsStatementTimeout() throws Exception {
        // The first statement sleeps past the timeout (a sequence is not rolled back), the retry does not.
        sql("CREATE SEQUENCE slow_once");
        sql("CREATE FUNCTION slow_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF nextval('slow_once') = 1 THEN PERFORM pg_sleep(5); END IF; RETURN NEW; END $$");
        sql("CREATE TRIGGER slow_once BEFORE INSERT ON event_metrics_hourly FOR EACH ROW EXECUTE FUNCTION slow_once()");
        RollupCommitter.Settings oneSecond = new RollupCommitter.Settings(
                target.withTimeouts(new DatabaseTarget.Timeouts(5, 1, 1)), true, 2, null, 0);
        try (CommitterHarness committer = new CommitterHarness(oneSecond, null)) {
            committer.rows(hourly(1, "llm_calls", 4, 4));
            committer.barrier(1);
            committer.completed(1);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("4x4");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).as("57014 is transient").isEqualTo(1);
            assertThat(committer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isZero();
        } finally {
            sql("DROP TRIGGER slow_once ON event_metrics_hourly");
            sql("DROP FUNCTION slow_once()");
            sql("DROP SEQUENCE slow_once");
        }
    }

    @Test
    void afterASlowCommitTheNextCompletionsMergeIntoALaterCommitAndTheEndOfABoundedRunCommits() throws Exception {
        // Every insert sleeps 100 ms: commit 1 takes at least that, and with a pause of 1,000 times
        // its duration the completions that follow stage instead of committing, until the input ends.
        sql("CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " PERFORM pg_sleep(0.1); RETURN NEW; END $$");
        sql("CREATE TRIGGER slow_insert BEFORE INSERT ON event_metrics_hourly FOR EACH ROW EXECUTE FUNCTION slow_insert()");
        RollupCommitter.Settings paced = new RollupCommitter.Settings(target, true, 2, null, 1_000);
        // Not bounded by the rows written here: the trigger stands for a commit that is slow
        // because of what it writes (the other test below is one slow because it waited).
        try (CommitterHarness committer = new CommitterHarness(paced, null, c -> c.maxPausePerRowMs(Double.MAX_VALUE))) {
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.progress(1_000, SOURCE_TS, 1);
            committer.barrier(1);
            committer.completed(1);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("1x1");

            committer.rows(hourly(1, "llm_calls", 2, 2), hourly(2, "llm_calls", 7, 7));
            committer.progress(2_000, SOURCE_TS + 1_000, 2);
            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("staged: the last commit was slow").isEqualTo("1x1");
            assertThat(progress()).isEqualTo("0/3E8 1 1");

            // More completions while the commit waits: what they staged is one entry, not one per checkpoint.
            committer.rows(hourly(1, "llm_calls", 5, 5));
            committer.progress(2_500, SOURCE_TS + 1_500, 1);
            committer.barrier(22);
            committer.rows(hourly(1, "llm_calls", 2, 2)); // back to checkpoint 2's values: the last one counts
            committer.progress(2_600, SOURCE_TS + 1_600, 1);
            committer.barrier(23);
            committer.completed(23);
            assertThat(committer.stagedEntries()).isEqualTo(1);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("1x1");

            committer.rows(hourly(1, "llm_calls", 3, 3));
            committer.progress(3_000, SOURCE_TS + 2_000, 1);
            committer.barrier(30);
            committer.finish();
            committer.completed(30);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("3x3");
            assertThat(valueOf(HOURLY, 2, "llm_calls")).as("checkpoint 2's rows in the same commit").isEqualTo("7x7");
            assertThat(progress()).isEqualTo("0/BB8 6 30");
            assertThat(committer.metrics.count(HOURLY, JobMetrics.BATCHES_COMMITTED)).isEqualTo(2);
        } finally {
            sql("DROP TRIGGER slow_insert ON event_metrics_hourly");
            sql("DROP FUNCTION slow_insert()");
        }
    }

    @Test
    void aCommitThatWaitedOnALockIsNotFollowedByALongPause() throws Exception {
        // Another session holds a lock on the hourly table while the committer commits one row,
        // and lets go 1 s after the committer is seen waiting for it. Paused for twice that commit's
        // duration, the tables would stand still 2 s more; the pause is bounded by the rows written.
        RollupCommitter.Settings paced = new RollupCommitter.Settings(target, true, 2, null, RollupCommitter.PAUSE_AFTER_COMMIT);
        ExecutorService releaser = Executors.newSingleThreadExecutor();
        try (CommitterHarness committer = new CommitterHarness(paced, null); Connection locker = target.connect()) {
            locker.setAutoCommit(false);
            try (Statement st = locker.createStatement()) {
                st.execute("LOCK TABLE " + HOURLY + " IN EXCLUSIVE MODE");
            }
            committer.rows(hourly(1, "llm_calls", 1, 1));
            committer.progress(1_000, SOURCE_TS, 1);
            committer.barrier(1);
            Future<?> released = releaser.submit(() -> {
                awaitCommitterWaitingForALock();
                Thread.sleep(1_000); // the lock held on: the length of the wait is the case, not a condition
                locker.commit();
                return null;
            });
            long started = System.nanoTime();
            committer.completed(1);
            long commitMs = (System.nanoTime() - started) / 1_000_000;
            released.get();
            assertThat(commitMs).as("the commit waited for the lock").isGreaterThanOrEqualTo(1_000);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).isEqualTo("1x1");
            assertThat(committer.lastPauseMs()).as("at most 1 ms for each of the row and the progress row")
                    .isLessThanOrEqualTo((long) (2 * RollupCommitter.MAX_PAUSE_PER_ROW_MS));

            awaitMillisPassed(committer.lastPauseMs());
            committer.rows(hourly(1, "llm_calls", 2, 2));
            committer.progress(2_000, SOURCE_TS + 1_000, 1);
            committer.barrier(2);
            committer.completed(2);
            assertThat(valueOf(HOURLY, 1, "llm_calls")).as("the next completion commits").isEqualTo("2x2");
        } finally {
            releaser.shutdownNow();
        }
    }

    /** Until a session of the committer waits for a lock (pg_stat_activity), for at most 10 s. */
    private static void awaitCommitterWaitingForALock() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"1".equals(one("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                + RollupCommitter.APPLICATION_NAME + "' AND wait_event_type = 'Lock'"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the committer did not wait for the lock within 10 s");
            }
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    /** Until {@code ms} milliseconds have passed from now. */
    private static void awaitMillisPassed(long ms) throws InterruptedException {
        long until = System.nanoTime() + ms * 1_000_000 + 1_000_000;
        while (System.nanoTime() < until) {
            Thread.sleep(1);
        }
    }

    private static void awaitGone(String key) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (redis.exists(key)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(key + " still in Redis after 10 s");
            }
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static long count(String table) throws Exception {
        return Long.parseLong(one("SELECT count(*) FROM " + table));
    }

    private static String progress() throws Exception {
        return one("SELECT source_lsn || ' ' || changes_reflected || ' ' || checkpoint_id FROM " + ProgressTable.TABLE);
    }

    private static String valueOf(String table, long org, String metric) throws Exception {
        return one("SELECT metric_value || 'x' || metric_count FROM " + table + " WHERE organization_id = " + org
                + " AND metric_name = '" + metric + "'");
    }

    private static String one(String query) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
