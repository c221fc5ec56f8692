package io.github.dashboardmetrics.verify;

/** The compared columns of one rollup row. */
public record RollupValue(String metricType, double metricValue, long metricCount) {

    /** E.g. {@code histogram value=12.5 count=3}. */
    public String describe() {
        return metricType + " value=" + metricValue + " count=" + metricCount;
    }
}
