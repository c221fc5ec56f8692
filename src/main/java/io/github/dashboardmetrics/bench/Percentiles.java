package io.github.dashboardmetrics.bench;

import java.util.Arrays;

/** Nearest-rank percentiles and a least-squares slope, for the benchmark's latency samples. */
public final class Percentiles {
    private Percentiles() {}

    /**
     * The nearest-rank percentile {@code p} (0 < p <= 100) of {@code values}: the smallest value
     * such that at least p % of the values are at most it. NaN for no values.
     */
    public static double of(double[] values, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Slope of the least-squares line through (x[i], y[i]); 0 for fewer than two distinct x. */
    public static double slope(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length");
        }
        int n = x.length;
        if (n < 2) {
            return 0;
        }
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
