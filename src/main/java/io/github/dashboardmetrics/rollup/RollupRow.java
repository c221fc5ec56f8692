package io.github.dashboardmetrics.rollup;

/**
 * The absolute state of one rollup row, to be written: upserted when {@code count > 0}, deleted
 * otherwise. Writing it twice is harmless.
 */
public class RollupRow {
    public Granularity granularity;
    public long orgId;
    public String metricName;
    public String metricType;
    /** Bucket start, epoch millis (UTC hour, day or month start). */
    public long bucketStart;
    public double value;
    public long count;
    /** Newest source commit time (epoch millis) that changed this bucket since its last write. */
    public long sourceTsMs;

    public RollupRow() {}

    public RollupRow(Granularity granularity, long orgId, String metricName, String metricType, long bucketStart,
            double value, long count, long sourceTsMs) {
        this.granularity = granularity;
        this.orgId = orgId;
        this.metricName = metricName;
        this.metricType = metricType;
        this.bucketStart = bucketStart;
        this.value = value;
        this.count = count;
        this.sourceTsMs = sourceTsMs;
    }

    public boolean isDelete() {
        return count <= 0;
    }

    @Override
    public String toString() {
        return granularity + "{org=" + orgId + ", " + metricName + ", bucket=" + java.time.Instant.ofEpochMilli(bucketStart)
                + ", value=" + value + ", count=" + count + "}";
    }
}
