package io.github.dashboardmetrics.rollup;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by (organisation, metric): holds the absolute totals of every retained UTC hour, day and
 * month bucket, applies deltas as they come (in any order: sums commute), and every flush interval
 * emits the buckets that changed since the last flush as absolute {@link RollupRow}s. Changed but
 * not yet emitted buckets are keyed state, so they survive a checkpoint and a restore.
 *
 * <p>Buckets older than the retention horizon leave the state (checked hourly per key) and deltas
 * for them are ignored.
 */
public class BucketRollup extends KeyedProcessFunction<String, MetricDelta, RollupRow> {
    private static final long serialVersionUID = 1L;
    private static final long CLEANUP_INTERVAL_MS = 3_600_000L;
    private static final Granularity[] TIERS = Granularity.values();

    private final long flushIntervalMs;
    private final RetentionPolicy retention;

    /** Per tier: bucket start -> totals. */
    private transient List<MapState<Long, BucketTotal>> totals;
    /** Per tier: bucket start -> newest source commit time among the deltas not yet emitted. */
    private transient List<MapState<Long, Long>> pending;
    private transient ValueState<Long> nextFlush;
    private transient ValueState<Long> nextCleanup;
    private transient Counter deltasApplied;

    public BucketRollup(long flushIntervalMs, RetentionPolicy retention) {
        if (flushIntervalMs <= 0) {
            throw new IllegalArgumentException("flush interval must be > 0 ms");
        }
        this.flushIntervalMs = flushIntervalMs;
        this.retention = retention;
    }

    @Override
    public void open(Configuration parameters) {
        totals = new ArrayList<>();
        pending = new ArrayList<>();
        for (Granularity g : TIERS) {
            String tier = g.name().toLowerCase(java.util.Locale.ROOT);
            totals.add(getRuntimeContext().getMapState(
                    new MapStateDescriptor<>("totals-" + tier, Types.LONG, TypeInformation.of(BucketTotal.class))));
            pending.add(getRuntimeContext().getMapState(new MapStateDescriptor<>("pending-" + tier, Types.LONG, Types.LONG)));
        }
        nextFlush = getRuntimeContext().getState(new ValueStateDescriptor<>("next-flush", Types.LONG));
        nextCleanup = getRuntimeContext().getState(new ValueStateDescriptor<>("next-cleanup", Types.LONG));
        deltasApplied = JobMetrics.of(getRuntimeContext().getMetricGroup()).counter(JobMetrics.METRIC_DELTAS);
    }

    @Override
    public void processElement(MetricDelta delta, Context ctx, Collector<RollupRow> out) throws Exception {
        deltasApplied.inc();
        long now = ctx.timerService().currentProcessingTime();
        boolean changed = false;
        for (Granularity g : TIERS) {
            long bucket = g.bucketStart(delta.eventTimeMs);
            if (bucket < retention.horizon(g, now)) {
                continue; // past retention: no longer kept nor written
            }
            MapState<Long, BucketTotal> tierTotals = totals.get(g.ordinal());
            BucketTotal total = tierTotals.get(bucket);
            BucketTotal updated = (total == null ? new BucketTotal() : total).plus(delta.value, delta.count);
            if (updated.count == 0 && updated.value.signum() == 0) {
                tierTotals.remove(bucket);
            } else {
                tierTotals.put(bucket, updated);
            }
            MapState<Long, Long> tierPending = pending.get(g.ordinal());
            Long seen = tierPending.get(bucket);
            tierPending.put(bucket, seen == null ? delta.sourceTsMs : Math.max(seen, delta.sourceTsMs));
            changed = true;
        }
        if (changed && nextFlush.value() == null) {
            long at = now + flushIntervalMs;
            nextFlush.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
        if (changed && nextCleanup.value() == null) {
            long at = now + CLEANUP_INTERVAL_MS;
            nextCleanup.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RollupRow> out) throws Exception {
        Long flushAt = nextFlush.value();
        if (flushAt != null && timestamp >= flushAt) {
            nextFlush.clear();
            flush(ctx.getCurrentKey(), out);
        }
        Long cleanupAt = nextCleanup.value();
        if (cleanupAt != null && timestamp >= cleanupAt) {
            nextCleanup.clear();
            if (dropExpiredBuckets(timestamp)) {
                long at = timestamp + CLEANUP_INTERVAL_MS;
                nextCleanup.update(at);
                ctx.timerService().registerProcessingTimeTimer(at);
            }
        }
    }

    /** Emits every pending bucket with its absolute totals (count 0: a delete). */
    private void flush(String key, Collector<RollupRow> out) throws Exception {
        int sep = key.indexOf('|');
        long orgId = Long.parseLong(key.substring(0, sep));
        Metric metric = Metric.values()[Integer.parseInt(key.substring(sep + 1))];
        for (Granularity g : TIERS) {
            MapState<Long, Long> tierPending = pending.get(g.ordinal());
            MapState<Long, BucketTotal> tierTotals = totals.get(g.ordinal());
            for (Map.Entry<Long, Long> p : tierPending.entries()) {
                BucketTotal total = tierTotals.get(p.getKey());
                boolean empty = total == null || total.isEmpty();
                out.collect(new RollupRow(g, orgId, metric.metricName(), metric.type().sqlName(), p.getKey(),
                        empty ? 0.0 : total.value.doubleValue(), empty ? 0 : total.count, p.getValue()));
            }
            tierPending.clear();
        }
    }

    /** Removes buckets past retention; returns whether any bucket is left to watch. */
    private boolean dropExpiredBuckets(long now) throws Exception {
        boolean anyLeft = false;
        for (Granularity g : TIERS) {
            long horizon = retention.horizon(g, now);
            Iterator<Map.Entry<Long, BucketTotal>> it = totals.get(g.ordinal()).iterator();
            while (it.hasNext()) {
                if (it.next().getKey() < horizon) {
                    it.remove();
                } else {
                    anyLeft = true;
                }
            }
        }
        return anyLeft;
    }
}
