package io.github.dashboardmetrics.verify;

import java.time.Instant;

/**
 * One way in which a rollup table differs from the recomputation.
 *
 * @param expected {@code null} for {@link Kind#EXTRA}
 * @param actual {@code null} for {@link Kind#MISSING}
 */
public record Difference(Kind kind, RollupKey key, RollupValue expected, RollupValue actual) {

    public enum Kind {
        /** The recomputation has the row, the table does not. */
        MISSING,
        /** The table has a row the recomputation does not (incl. rows with metric_count <= 0). */
        EXTRA,
        /** Same row, metric_value differs beyond the tolerance. */
        WRONG_VALUE,
        /** Same row, metric_count differs. */
        WRONG_COUNT,
        /** Same row, metric_type differs. */
        WRONG_TYPE
    }

    public String table() {
        return key.table();
    }

    public Long organizationId() {
        return key.organizationId();
    }

    public Instant bucket() {
        return key.bucket();
    }

    public String metricName() {
        return key.metricName();
    }

    /** One line, e.g. {@code WRONG_COUNT event_metrics_hourly org=1 ... expected counter value=2.0 count=2, actual ...}. */
    public String describe() {
        return kind + " " + key.describe() + ": expected " + (expected == null ? "no row" : expected.describe())
                + ", actual " + (actual == null ? "no row" : actual.describe());
    }
}
