package io.github.dashboardmetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.RedisTarget;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollup writer in Flink's sink operator (test harness) against a real PostgreSQL and a real
 * redis-server: when it writes (batch full, interval, checkpoint), what (the last row per key, in
 * one transaction), what it does on failures, and that Redis keys go only after the commit.
 */
class RollupWriterTest {
    private static final String SCHEMA = "writer_test";
    private static final String HOURLY = Granularity.HOURLY.table();
    private static final long HOUR = Instant.parse("2026-01-05T07:00:00Z").toEpochMilli();
    private static final long LATER_HOUR = HOUR + 3_600_000L;
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
        sql("DELETE FROM event_metrics_hourly");
        redis.command("FLUSHALL");
    }

    private static RollupRow hourly(long org, String metric, long bucket, double value, long count) {
        return new RollupRow(Granularity.HOURLY, org, metric, "counter", bucket, value, count,
                System.currentTimeMillis() - 2_000);
    }

    private static RollupSink.Settings settings(int batchSize, long intervalMs, CacheInvalidation cache) {
        return new RollupSink.Settings(target, Granularity.HOURLY, true, batchSize, intervalMs, 2, cache);
    }

    private static RollupSink.Settings settings(int batchSize, long intervalMs) {
        return settings(batchSize, intervalMs, null);
    }

    @Test
    void writesNothingUntilTheBatchIsFullThenTheWholeBatchInOneTransaction() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(3, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1), hourly(1, "llm_usage", HOUR, 0.5, 1));
            assertThat(rows()).isZero();

            writer.write(hourly(2, "llm_calls", HOUR, 7, 7));
            assertThat(rows()).isEqualTo(3);
            assertThat(transactions()).as("one transaction (xmin) for the batch").isEqualTo(1);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.ROWS_UPSERTED)).isEqualTo(3);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.BATCHES_COMMITTED)).isEqualTo(1);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.FRESHNESS_MS)).as("one sample per row").isEqualTo(3);
            assertThat((Long) writer.metrics.gauge(HOURLY, JobMetrics.LAST_FRESHNESS_MS)).isBetween(2_000L, 60_000L);
        }
    }

    @Test
    void writesWhatIsBufferedOnEveryCheckpoint() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1), hourly(2, "llm_calls", HOUR, 2, 2));
            assertThat(rows()).isZero();
            writer.checkpoint();
            assertThat(rows()).isEqualTo(2);

            writer.write(hourly(1, "llm_calls", LATER_HOUR, 4, 4));
            writer.checkpoint();
            writer.checkpoint(); // nothing buffered: no empty transaction
            assertThat(rows()).isEqualTo(3);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.BATCHES_COMMITTED)).isEqualTo(2);
        }
    }

    @Test
    void writesTheBufferOneIntervalAfterItsFirstRow() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 500))) {
            writer.processingTime(1_000);
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1));
            writer.processingTime(1_300);
            writer.write(hourly(2, "llm_calls", HOUR, 1, 1)); // joins the waiting batch
            writer.processingTime(1_499);
            assertThat(rows()).isZero();
            writer.processingTime(1_500);
            assertThat(rows()).isEqualTo(2);
            assertThat(transactions()).isEqualTo(1);
        }
    }

    @Test
    void writesOnlyTheLastRowOfAKeyInABatch() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1));
            writer.checkpoint();
            String id = idOf(1, "llm_calls");

            // deleted, then back with new values, within one batch
            writer.write(hourly(1, "llm_calls", HOUR, 0, 0), hourly(2, "llm_calls", HOUR, 1, 1),
                    hourly(1, "llm_calls", HOUR, 5, 2), hourly(2, "llm_calls", HOUR, 3, 3));
            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("5x2");
            assertThat(valueOf(2, "llm_calls")).isEqualTo("3x3");
            assertThat(idOf(1, "llm_calls")).as("never deleted: the delete was superseded in the batch").isEqualTo(id);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.ROWS_UPSERTED)).isEqualTo(3);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.ROWS_DELETED)).isZero();

            writer.write(hourly(2, "llm_calls", HOUR, 9, 9), hourly(2, "llm_calls", HOUR, 0, 0));
            writer.checkpoint();
            assertThat(valueOf(2, "llm_calls")).isNull();
            assertThat(writer.metrics.count(HOURLY, JobMetrics.ROWS_DELETED)).isEqualTo(1);
        }
    }

    @Test
    void deletesTheCachedKeysOfACommittedHourOnlyAfterTheCommit() throws Exception {
        List<String> stale = List.of(KEYS.hour(1, HOUR), KEYS.hourOfMetric(1, HOUR, "llm_calls"));
        List<String> unrelated = List.of(KEYS.hourOfMetric(1, HOUR, "pages_processed"), KEYS.hour(2, HOUR),
                KEYS.hour(1, LATER_HOUR), "dashboard_metrics:1:summary:0123456789ab");
        redis.set(stale);
        redis.set(unrelated);
        CacheInvalidation cache = new CacheInvalidation(redis.target(), DashboardCacheKeys.DEFAULT_PREFIX);
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L, cache))) {
            writer.write(hourly(1, "llm_calls", HOUR, 2, 2));
            assertThat(redis.exists(stale.get(0))).as("not written yet: still cached").isTrue();

            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("2x2");
            for (String key : stale) {
                assertThat(redis.exists(key)).as(key).isFalse();
            }
            for (String key : unrelated) {
                assertThat(redis.exists(key)).as(key).isTrue();
            }
            assertThat(writer.metrics.count(HOURLY, JobMetrics.CACHE_KEYS_INVALIDATED)).isEqualTo(2);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.CACHE_KEYS_FAILED)).isZero();
        }
    }

    @Test
    void writesAndCountsTheFailureWhenRedisIsDown() throws Exception {
        RedisTarget nobody = new RedisTarget("127.0.0.1", RedisServer.freePort(), 0, null);
        CacheInvalidation cache = new CacheInvalidation(nobody, DashboardCacheKeys.DEFAULT_PREFIX);
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L, cache))) {
            writer.write(hourly(1, "llm_calls", HOUR, 2, 2));
            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("2x2");
            assertThat(writer.metrics.count(HOURLY, JobMetrics.CACHE_KEYS_FAILED)).isEqualTo(2);
        }
    }

    @Test
    void reconnectsAndRetriesWhenItsConnectionIsKilled() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1));
            writer.checkpoint();
            assertThat(sqlLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    + "WHERE application_name = 'dashboard-metrics event_metrics_hourly/0'")).isEqualTo(1);

            writer.write(hourly(1, "llm_calls", HOUR, 2, 2));
            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("2x2");
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isEqualTo(1);
        }
    }

    @Test
    void failsAtOnceOnAnErrorThatARetryCannotFix() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "m".repeat(65), HOUR, 1, 1)); // metric_name is varchar(64)
            assertThatThrownBy(writer::checkpoint).hasStackTraceContaining("writing 1 rows to event_metrics_hourly failed")
                    .hasStackTraceContaining("22001");
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isZero();
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static long sqlLong(String query) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long rows() throws Exception {
        return sqlLong("SELECT count(*) FROM event_metrics_hourly");
    }

    /** Distinct writing transactions among the rows (rows written in one transaction share xmin). */
    private static long transactions() throws Exception {
        return sqlLong("SELECT count(DISTINCT xmin::text) FROM event_metrics_hourly");
    }

    private static String idOf(long org, String metric) throws Exception {
        return one("SELECT id::text FROM event_metrics_hourly WHERE organization_id = " + org + " AND metric_name = '"
                + metric + "' AND \"timestamp\" = to_timestamp(" + HOUR / 1000 + ")");
    }

    private static String valueOf(long org, String metric) throws Exception {
        return one("SELECT metric_value || 'x' || metric_count FROM event_metrics_hourly WHERE organization_id = " + org
                + " AND metric_name = '" + metric + "' AND \"timestamp\" = to_timestamp(" + HOUR / 1000 + ")");
    }

    private static String one(String query) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
