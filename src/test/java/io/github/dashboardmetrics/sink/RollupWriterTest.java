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
        try (Connection c = target.connect()) {
            DeadLetterTable.ensure(c, SCHEMA);
        }
        // The writing top-level transaction of each row (xmin is a savepoint's subtransaction).
        sql("ALTER TABLE event_metrics_hourly ADD COLUMN written_by bigint DEFAULT txid_current()");
        sql("ALTER TABLE " + DeadLetterTable.TABLE + " ADD COLUMN written_by bigint DEFAULT txid_current()");
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
        sql("DELETE FROM " + DeadLetterTable.TABLE);
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
    void aRowTheDatabaseRefusesGoesToTheDeadLetterTableInTheBatchsTransactionAndTheRestIsWritten() throws Exception {
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1), hourly(1, "m".repeat(65), HOUR, 1, 1), // varchar(64)
                    hourly(2, "llm_calls", HOUR, 2, 2));
            writer.checkpoint(); // does not throw: the job goes on
            assertThat(valueOf(1, "llm_calls")).isEqualTo("1x1");
            assertThat(valueOf(2, "llm_calls")).isEqualTo("2x2");
            assertThat(one("SELECT source_table || ' | ' || action || ' | ' || source_position FROM "
                    + DeadLetterTable.TABLE)).isEqualTo("event_metrics_hourly | not written | organization_id=1 timestamp="
                            + "2026-01-05T07:00Z metric_name=" + "m".repeat(65));
            assertThat(one("SELECT reason FROM " + DeadLetterTable.TABLE)).startsWith("the database refused the write: ")
                    .contains("[SQLState 22001]");
            assertThat(sqlLong("SELECT count(DISTINCT written_by) FROM (SELECT written_by FROM event_metrics_hourly"
                    + " UNION ALL SELECT written_by FROM " + DeadLetterTable.TABLE + ") t"))
                    .as("rows and dead letter: one transaction")
                    .isEqualTo(1);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isEqualTo(1);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.ROWS_UPSERTED)).isEqualTo(2);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isZero();

            writer.write(hourly(1, "llm_calls", HOUR, 3, 3)); // and the next batch is written as usual
            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("3x3");
        }
    }

    @Test
    void failsAtOnceOnAnErrorThatIsNeitherTransientNorARefusedRow() throws Exception {
        sql("CREATE FUNCTION refuse_privilege() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " RAISE EXCEPTION 'no privilege' USING ERRCODE = 'insufficient_privilege'; END $$");
        sql("CREATE TRIGGER refuse_privilege BEFORE INSERT ON event_metrics_hourly FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_privilege()");
        try (WriterHarness writer = new WriterHarness(settings(1_000, 3_600_000L))) {
            writer.write(hourly(1, "llm_calls", HOUR, 1, 1));
            assertThatThrownBy(writer::checkpoint).hasStackTraceContaining("writing 1 rows to event_metrics_hourly failed")
                    .hasStackTraceContaining("42501");
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).isZero();
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isZero();
        } finally {
            sql("DROP TRIGGER refuse_privilege ON event_metrics_hourly");
        }
        assertThat(sqlLong("SELECT count(*) FROM " + DeadLetterTable.TABLE)).isZero();
    }

    @Test
    void retriesAStatementThatHitItsStatementTimeout() throws Exception {
        // The first statement sleeps past the timeout (a sequence is not rolled back), the retry does not.
        sql("CREATE SEQUENCE slow_once");
        sql("CREATE FUNCTION slow_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF nextval('slow_once') = 1 THEN PERFORM pg_sleep(5); END IF; RETURN NEW; END $$");
        sql("CREATE TRIGGER slow_once BEFORE INSERT ON event_metrics_hourly FOR EACH ROW EXECUTE FUNCTION slow_once()");
        RollupSink.Settings oneSecond = new RollupSink.Settings(target.withTimeouts(new DatabaseTarget.Timeouts(5, 1, 1)),
                Granularity.HOURLY, true, 1_000, 3_600_000L, 2, null);
        try (WriterHarness writer = new WriterHarness(oneSecond)) {
            writer.write(hourly(1, "llm_calls", HOUR, 4, 4));
            writer.checkpoint();
            assertThat(valueOf(1, "llm_calls")).isEqualTo("4x4");
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITE_RETRIES)).as("57014 is transient").isEqualTo(1);
            assertThat(writer.metrics.count(HOURLY, JobMetrics.WRITES_DEAD_LETTERED)).isZero();
        } finally {
            sql("DROP TRIGGER slow_once ON event_metrics_hourly");
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
