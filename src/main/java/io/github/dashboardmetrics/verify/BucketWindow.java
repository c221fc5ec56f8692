package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.time.Instant;

/**
 * The bucket starts of one tier that {@code verify} compares: {@code [fromInclusive, toExclusive)},
 * either end open when {@code null}. Both ends are bucket-aligned, so "the bucket starts inside
 * the window" and "the event time is inside the window" select the same rows; the recomputation
 * filters on event time, the rollup tables on their bucket column.
 */
public record BucketWindow(Granularity granularity, Instant fromInclusive, Instant toExclusive) {

    /** Whether a bucket starting at {@code bucket} is inside the window. */
    public boolean contains(Instant bucket) {
        return (fromInclusive == null || !bucket.isBefore(fromInclusive))
                && (toExclusive == null || bucket.isBefore(toExclusive));
    }

    public boolean isEmpty() {
        return fromInclusive != null && toExclusive != null && !fromInclusive.isBefore(toExclusive);
    }

    /** E.g. {@code 2024-02-14T13:00:00Z .. before 2024-03-16T00:00:00Z}, or {@code all buckets}. */
    public String describe() {
        if (isEmpty()) {
            return "no buckets";
        }
        if (fromInclusive == null && toExclusive == null) {
            return "all buckets";
        }
        String from = fromInclusive == null ? "" : "from " + UtcBuckets.format(granularity, fromInclusive);
        String to = toExclusive == null ? "" : "before " + UtcBuckets.format(granularity, toExclusive);
        return (from + " " + to).trim();
    }
}
