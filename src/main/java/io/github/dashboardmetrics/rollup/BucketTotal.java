package io.github.dashboardmetrics.rollup;

import java.math.BigDecimal;

/**
 * The absolute totals of one bucket: the exact sum of the values of its rows and their number.
 * The sum is a BigDecimal because every double is an exact binary fraction: adding and later
 * retracting a cost leaves exactly nothing behind, where a double sum would drift.
 */
public class BucketTotal {
    public BigDecimal value = BigDecimal.ZERO;
    public long count;

    public BucketTotal() {}

    public BucketTotal(BigDecimal value, long count) {
        this.value = value;
        this.count = count;
    }

    public BucketTotal plus(double deltaValue, long deltaCount) {
        BigDecimal v = deltaValue == 0.0 ? value : value.add(new BigDecimal(deltaValue));
        return new BucketTotal(v, count + deltaCount);
    }

    public BucketTotal plus(BigDecimal deltaValue, long deltaCount) {
        return new BucketTotal(deltaValue.signum() == 0 ? value : value.add(deltaValue), count + deltaCount);
    }

    /** A bucket with no rows, which has no row in the rollup table. */
    public boolean isEmpty() {
        return count <= 0;
    }
}
