package io.github.dashboardmetrics.metric;

import io.github.dashboardmetrics.wire.MetricDeltaSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A signed change to one metric of one organisation at one instant: the bucket totals that hold
 * {@code eventTimeMs} gain {@code value} and {@code count} (both negative for a retraction).
 */
@TypeInfo(MetricDeltaSerializer.Factory.class)
public class MetricDelta {
    public long orgId;
    public Metric metric;
    public long eventTimeMs;
    public double value;
    public long count;
    /** Commit time of the source change behind this delta (epoch millis), for freshness. */
    public long sourceTsMs;

    public MetricDelta() {}

    public MetricDelta(long orgId, Metric metric, long eventTimeMs, double value, long count, long sourceTsMs) {
        this.orgId = orgId;
        this.metric = metric;
        this.eventTimeMs = eventTimeMs;
        this.value = value;
        this.count = count;
        this.sourceTsMs = sourceTsMs;
    }

    /** Rollup key: one organisation's one metric ({@code "<org id>|<metric code>"}, part of the savepoint contract). */
    public String rollupKey() {
        return rollupKey(orgId, metric);
    }

    public static String rollupKey(long orgId, Metric metric) {
        return orgId + "|" + metric.code();
    }

    /** The organisation of a {@link #rollupKey}. */
    public static long orgIdOf(String rollupKey) {
        return Long.parseLong(rollupKey.substring(0, rollupKey.indexOf('|')));
    }

    /** The metric of a {@link #rollupKey}. */
    public static Metric metricOf(String rollupKey) {
        return Metric.ofCode(Integer.parseInt(rollupKey.substring(rollupKey.indexOf('|') + 1)));
    }

    @Override
    public String toString() {
        return "MetricDelta{org=" + orgId + ", " + metric.metricName() + ", t=" + eventTimeMs + ", value=" + value
                + ", count=" + count + "}";
    }
}
