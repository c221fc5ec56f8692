package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * Identifies one rollup row: the table's unique key plus the table itself.
 *
 * @param organizationId {@code null} only for a (wrong) row read from a rollup table
 * @param bucket start of the UTC hour, day or month
 * @param project always {@value #DEFAULT_PROJECT} in a correct table; kept in the key so that a
 *     row with another project or tag shows up as a row of its own
 */
public record RollupKey(Granularity granularity, Long organizationId, Instant bucket, String metricName,
        String project, String tag) implements Comparable<RollupKey> {

    public static final String DEFAULT_PROJECT = "default";
    public static final String DEFAULT_TAG = "";

    private static final Comparator<RollupKey> ORDER = Comparator.comparing(RollupKey::granularity)
            .thenComparing(RollupKey::organizationId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(RollupKey::bucket)
            .thenComparing(RollupKey::metricName)
            .thenComparing(RollupKey::project)
            .thenComparing(RollupKey::tag);

    public RollupKey {
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(metricName, "metricName");
        Objects.requireNonNull(project, "project");
        Objects.requireNonNull(tag, "tag");
    }

    /** The key of a row as the job writes it (project {@code default}, empty tag). */
    public static RollupKey of(Granularity granularity, long organizationId, Instant bucket, String metricName) {
        return new RollupKey(granularity, organizationId, bucket, metricName, DEFAULT_PROJECT, DEFAULT_TAG);
    }

    public String table() {
        return granularity.table();
    }

    @Override
    public int compareTo(RollupKey other) {
        return ORDER.compare(this, other);
    }

    /** E.g. {@code event_metrics_daily org=3 bucket=2024-03-01 metric=llm_calls}. */
    public String describe() {
        String text = table() + " org=" + organizationId + " bucket=" + UtcBuckets.format(granularity, bucket)
                + " metric=" + metricName;
        if (!DEFAULT_PROJECT.equals(project) || !DEFAULT_TAG.equals(tag)) {
            text += " project='" + project + "' tag='" + tag + "'";
        }
        return text;
    }
}
