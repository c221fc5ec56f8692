package io.github.dashboardmetrics.monitoring;

import org.apache.flink.metrics.MetricGroup;

/**
 * Names of the job's own metrics. They all live in one {@value #GROUP} group below their
 * operator; the source and rollup table are labels (key/value groups), so that a Prometheus
 * query can sum or split by table. The README lists the resulting Prometheus names.
 */
public final class JobMetrics {
    private JobMetrics() {}

    public static final String GROUP = "dashboard_metrics";
    public static final String SOURCE_TABLE = "source_table";
    public static final String ROLLUP_TABLE = "rollup_table";

    // decode (per source table)
    /** Row changes decoded, per captured source table. */
    public static final String CHANGES_READ = "changes_read";
    /** Change events the job refused: logged, sent to the dead-letter table, never applied. */
    public static final String BAD_CHANGE_EVENTS = "bad_change_events";
    /** Counter: refused change events committed to the dead-letter table. */
    public static final String DEAD_LETTERS_WRITTEN = "dead_letters_written";
    /** Counter: source values outside the domain the metrics know (a status, type or reason); applied by the rules. */
    public static final String UNRECOGNISED_VALUES = "unrecognised_values";

    // normalise and the joins that keep rows (per operator)
    /** Gauge: walks of TRUNCATEs this subtask has begun and not finished (the table's keys still being visited). */
    public static final String TRUNCATE_WALKS_IN_PROGRESS = "truncate_walks_in_progress";
    /** Counter: keys visited by TRUNCATE walks. */
    public static final String TRUNCATE_KEYS_WALKED = "truncate_keys_walked";

    // roll up
    /** Metric deltas applied to the bucket totals (retractions included). */
    public static final String METRIC_DELTAS = "metric_deltas";

    // write (per rollup table)
    public static final String ROWS_UPSERTED = "rows_upserted";
    public static final String ROWS_DELETED = "rows_deleted";
    public static final String BATCHES_COMMITTED = "batches_committed";
    /** Batches retried after a transient database error. */
    public static final String WRITE_RETRIES = "write_retries";
    /** Rollup rows the database refused (constraint, trigger, value out of range), dead-lettered instead. */
    public static final String WRITES_DEAD_LETTERED = "writes_dead_lettered";
    /** Source commit time to rollup row committed, milliseconds (histogram). */
    public static final String FRESHNESS_MS = "freshness_ms";
    /** The same, for the newest committed row (gauge). */
    public static final String LAST_FRESHNESS_MS = "last_freshness_ms";
    /**
     * Gauge: source commit time (epoch millis) of the newest change the committed rollup tables
     * reflect, the "data as of" of {@code dashboard_metrics_progress} (0 until the first commit).
     */
    public static final String COMMITTED_SOURCE_TIME_MS = "committed_source_time_ms";
    /** Gauge: the WAL position (LSN as a number) the committed rollup tables reflect (-1: unknown). */
    public static final String COMMITTED_LSN = "committed_lsn";
    /** Cached dashboard keys deleted in Redis after their hour was committed. */
    public static final String CACHE_KEYS_INVALIDATED = "cache_keys_invalidated";
    /** Cached dashboard keys that could not be deleted (Redis down, slow or refusing). */
    public static final String CACHE_KEYS_FAILED = "cache_keys_failed";

    /** The job's group below an operator's metric group. */
    public static MetricGroup of(MetricGroup operator) {
        return operator.addGroup(GROUP);
    }

    /** The job's group for one captured source table. */
    public static MetricGroup ofSourceTable(MetricGroup operator, String table) {
        return of(operator).addGroup(SOURCE_TABLE, table);
    }

    /** The job's group for one rollup table. */
    public static MetricGroup ofRollupTable(MetricGroup operator, String table) {
        return of(operator).addGroup(ROLLUP_TABLE, table);
    }
}
