package io.github.dashboardmetrics.rollup;

/**
 * The retention horizon of each tier ({@link RetentionPolicy#horizon}) for a processing time that
 * moves forward: the rollup asks for it with every delta, and a horizon only changes when the
 * cutoff ({@code now} minus the tier's days) enters the next bucket, so each tier's horizon is kept
 * with the span of {@code now} in which it holds, and computed again only outside that span.
 * Not thread-safe: one per operator instance.
 */
final class RetentionHorizons {
    private static final long DAY_MS = 86_400_000L;
    private static final Granularity[] TIERS = Granularity.values();

    private final RetentionPolicy retention;
    private final long[] horizon = new long[TIERS.length];
    /** Per tier, the times {@code now} for which {@link #horizon} holds: [validFrom, validUntil). */
    private final long[] validFrom = new long[TIERS.length];
    private final long[] validUntil = new long[TIERS.length];

    RetentionHorizons(RetentionPolicy retention) {
        this.retention = retention;
        java.util.Arrays.fill(validFrom, Long.MAX_VALUE); // nothing known yet
        java.util.Arrays.fill(validUntil, Long.MIN_VALUE);
    }

    /** The same as {@code retention.horizon(g, now)}. */
    long of(Granularity g, long now) {
        int t = g.ordinal();
        if (now < validFrom[t] || now >= validUntil[t]) {
            long h = retention.horizon(g, now);
            horizon[t] = h;
            if (h == Long.MIN_VALUE) { // unlimited: at any time
                validFrom[t] = Long.MIN_VALUE;
                validUntil[t] = Long.MAX_VALUE;
            } else {
                // horizon = bucketStart(now - days): the same while now - days stays in bucket h
                long offset = retention.days(g) * DAY_MS;
                validFrom[t] = h + offset;
                validUntil[t] = g.nextBucketStart(h) + offset;
            }
        }
        return horizon[t];
    }
}
