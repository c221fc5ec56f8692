package io.github.dashboardmetrics.rollup;

import java.math.BigDecimal;

/**
 * An exact sum of doubles, as the rollup adds up the deltas of one bucket between two flushes: in
 * a {@code long} while every addend is a whole number (the counts, pages and runs of all metrics
 * but cost), in a {@link BigDecimal} from the first addend that is not, or when the {@code long}
 * would overflow. Its {@link #value} is always what adding {@code new BigDecimal(v)} of every
 * addend to {@link BigDecimal#ZERO} gives, scale included: the state it goes into is the savepoint
 * contract. Adding a whole double as a {@code BigDecimal} expands it and allocates on every delta;
 * that was most of the rollup's samples in a bootstrap's profile.
 */
final class ExactSum {
    /** Whole doubles up to this magnitude are exact {@code long}s, with room to add two. */
    private static final double LONG_SAFE = 0x1p62;

    private long whole;
    /** Null while the sum is {@link #whole}. */
    private BigDecimal exact;

    /** Adds {@code v}; NaN and infinities are refused as {@code new BigDecimal(v)} refuses them. */
    void add(double v) {
        if (exact == null && v == Math.rint(v) && Math.abs(v) <= LONG_SAFE && addWhole((long) v)) {
            return;
        }
        addExact(new BigDecimal(v));
    }

    /** Adds another sum. */
    void add(ExactSum other) {
        if (exact == null && other.exact == null && addWhole(other.whole)) {
            return;
        }
        addExact(other.value());
    }

    /** The sum. */
    BigDecimal value() {
        return exact != null ? exact : BigDecimal.valueOf(whole);
    }

    int signum() {
        return exact != null ? exact.signum() : Long.signum(whole);
    }

    /** Adds {@code w} to {@link #whole}; false (and nothing added) where the sum would overflow. */
    private boolean addWhole(long w) {
        long sum = whole + w;
        if (((whole ^ sum) & (w ^ sum)) < 0) {
            return false;
        }
        whole = sum;
        return true;
    }

    private void addExact(BigDecimal v) {
        exact = value().add(v);
    }
}
