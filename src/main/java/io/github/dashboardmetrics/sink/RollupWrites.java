package io.github.dashboardmetrics.sink;

/** How the rollup committer retries a transaction after a transient database error ({@code run --write-retries}). */
public record RollupWrites(int maxRetries) implements java.io.Serializable {
    public static final RollupWrites DEFAULT = new RollupWrites(5);

    public RollupWrites {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("--write-retries must be >= 0, got: " + maxRetries);
        }
    }
}
