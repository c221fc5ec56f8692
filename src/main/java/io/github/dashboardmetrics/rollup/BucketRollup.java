package io.github.dashboardmetrics.rollup;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.state.FinalSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by (organisation, metric code): the absolute totals of every retained UTC hour, day and
 * month bucket, kept in keyed state, and the rows to write, emitted <em>at checkpoint
 * barriers</em>.
 *
 * <p>Between two barriers the deltas are only summed in memory per (key, hour) (Flink SQL's
 * mini-batch): a hot bucket costs one state read-modify-write per checkpoint, not one per delta,
 * and a bucket whose net change is nothing is not written at all (a count that goes to 0 and back
 * within one interval never deletes the row). At the barrier ({@link #prepareSnapshotPreBarrier})
 * every pending bucket is applied to state and emitted as an absolute {@link RollupRow}; so the
 * rows that leave before barrier N are exactly the buckets as the input before barrier N left
 * them: an aligned checkpoint is a consistent cut, and so is what the sink commits for it. Nothing
 * pending survives a checkpoint: the snapshot holds totals only. When the in-memory batch grows
 * past {@code maxPendingBuckets}, it is applied and emitted early; the last rows emitted for a
 * bucket before a barrier are still its value at the barrier.
 *
 * <p>Buckets older than the retention horizon leave the state (checked hourly per key) and deltas
 * for them are ignored. End of input (a bounded job) applies and emits what is pending.
 */
public class BucketRollup extends AbstractStreamOperator<RollupRow>
        implements OneInputStreamOperator<MetricDelta, RollupRow>, BoundedOneInput, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 2L;
    private static final long CLEANUP_INTERVAL_MS = 3_600_000L;
    private static final Granularity[] TIERS = Granularity.values();
    /** Default bound of the in-memory batch: pending (key, hour) entries before an early flush. */
    public static final int DEFAULT_MAX_PENDING_BUCKETS = 100_000;
    /** Per key, the time of the hourly check for buckets past retention (part of the savepoint contract). */
    public static final String NEXT_CLEANUP_STATE = "next-cleanup";
    /** The internal timer service of those checks (part of the savepoint contract). */
    public static final String CLEANUP_TIMER_SERVICE = "retention-cleanup";

    private final RetentionPolicy retention;
    private final int maxPendingBuckets;
    /** In a bootstrap: the savepoint this operator snapshots itself into at the end of its input; null otherwise. */
    private FinalSnapshot snapshotAtEnd;
    /** In a bootstrap: whether the final rows have left ({@link #emitFinalRowsOnce}). */
    private transient boolean finalRowsEmitted;

    /** Per tier: bucket start -> totals. The savepoint contract: names and types stay. */
    private transient List<MapState<Long, BucketTotal>> totals;
    private transient ValueState<Long> nextCleanup;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient Counter deltasApplied;
    /** {@link #retention}'s horizons, looked up with every delta. */
    private transient RetentionHorizons horizons;

    /** Not state: key -> hour start -> what the deltas since the last barrier add up to. */
    private transient Map<PendingKey, Map<Long, Pending>> pending;
    private transient int pendingBuckets;

    /**
     * A key of {@link #pending}: the rollup key's parts, so that a delta does not build the key's
     * text (the keyed-state key, {@link MetricDelta#rollupKey}) to find its sums; a flush does, once per key.
     */
    private record PendingKey(long orgId, Metric metric) {}

    /** What the deltas of one (key, hour) since the last flush add up to, exactly. */
    private static final class Pending {
        final ExactSum value = new ExactSum();
        long count;
        long newestSourceTsMs;

        void add(MetricDelta d) {
            value.add(d.value); // a zero is a whole number: the long path, no BigDecimal
            count += d.count;
            newestSourceTsMs = Math.max(newestSourceTsMs, d.sourceTsMs);
        }

        void add(Pending p) {
            value.add(p.value);
            count += p.count;
            newestSourceTsMs = Math.max(newestSourceTsMs, p.newestSourceTsMs);
        }

        boolean isNoChange() {
            return count == 0 && value.signum() == 0;
        }
    }

    public BucketRollup(RetentionPolicy retention) {
        this(retention, DEFAULT_MAX_PENDING_BUCKETS);
    }

    public BucketRollup(RetentionPolicy retention, int maxPendingBuckets) {
        if (maxPendingBuckets < 1) {
            throw new IllegalArgumentException("maxPendingBuckets must be >= 1");
        }
        this.retention = retention;
        this.maxPendingBuckets = maxPendingBuckets;
    }

    /**
     * The keyed states, the savepoint contract: the bucket totals per tier in {@link #TIERS} order,
     * {@code totals-hourly}, {@code -daily}, {@code -monthly}; then {@code next-cleanup}, the time
     * of the key's retention-cleanup timer (in {@link #CLEANUP_TIMER_SERVICE}).
     */
    private static List<StateDescriptor<?, ?>> keyedStates() {
        List<StateDescriptor<?, ?>> states = new ArrayList<>(totalsStates());
        states.add(nextCleanupState());
        return states;
    }

    private static List<MapStateDescriptor<Long, BucketTotal>> totalsStates() {
        List<MapStateDescriptor<Long, BucketTotal>> states = new ArrayList<>();
        for (Granularity g : TIERS) {
            String tier = g.name().toLowerCase(Locale.ROOT);
            states.add(new MapStateDescriptor<>("totals-" + tier, Types.LONG, TypeInformation.of(BucketTotal.class)));
        }
        return states;
    }

    private static ValueStateDescriptor<Long> nextCleanupState() {
        return new ValueStateDescriptor<>(NEXT_CLEANUP_STATE, Types.LONG);
    }

    /**
     * Side output of an operator exporting its state: at the end of its input, one row per bucket
     * in its state, with its final total (each bucket once, where the main output has a row per
     * flush that changed it).
     */
    public static final OutputTag<RollupRow> FINAL_ROWS = new OutputTag<>("final-rows", TypeInformation.of(RollupRow.class));

    /**
     * Makes this operator emit every bucket's final row ({@link #FINAL_ROWS}) once its input has
     * ended, and snapshot itself into {@code savepoint} at the end of its input
     * ({@link FinalSnapshot#SUBTASK_STATES}): the bootstrap's bounded job, whose state becomes the
     * streaming job's savepoint and whose rows become the rollup tables.
     */
    public BucketRollup snapshottingAtEnd(FinalSnapshot savepoint) {
        this.snapshotAtEnd = savepoint;
        return this;
    }

    @Override
    public void finish() throws Exception {
        super.finish();
        if (snapshotAtEnd != null) {
            emitFinalRowsOnce();
            snapshotAtEnd.take(this, output);
        }
    }

    /**
     * In a bootstrap the end of the input reaches this operator first as the sources' last
     * watermark ({@link Watermark#MAX_WATERMARK}, which every source emits when its input ends,
     * before its end of data): every bucket is final then, so the final rows leave at once. The
     * operators before this one export their state only at their end of data, one after the other
     * along the pipeline; the rows no longer wait for those exports, and the rollup tables are
     * written while they run.
     */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (snapshotAtEnd != null && mark.getTimestamp() == Watermark.MAX_WATERMARK.getTimestamp()) {
            emitFinalRowsOnce();
        }
        super.processWatermark(mark);
    }

    /** What is pending applied, then every bucket's final row, once. */
    private void emitFinalRowsOnce() throws Exception {
        if (finalRowsEmitted) {
            return;
        }
        flush();
        emitFinalRows();
        finalRowsEmitted = true;
    }

    /** Every bucket in state, as the row it stands for, on {@link #FINAL_ROWS}. */
    private void emitFinalRows() throws Exception {
        for (Granularity g : TIERS) {
            String state = totalsStates().get(g.ordinal()).getName();
            List<String> keys;
            try (java.util.stream.Stream<String> stored = this.<String>getKeyedStateBackend().getKeys(state, VoidNamespace.INSTANCE)) {
                keys = stored.toList();
            }
            for (String key : keys) {
                setCurrentKey(key);
                long orgId = MetricDelta.orgIdOf(key);
                Metric metric = MetricDelta.metricOf(key);
                for (Map.Entry<Long, BucketTotal> bucket : totals.get(g.ordinal()).entries()) {
                    output.collect(FINAL_ROWS, new StreamRecord<>(row(g, orgId, metric, bucket.getKey(), bucket.getValue(), 0)));
                }
            }
        }
    }

    /** The row of one bucket with this total: a delete when the total holds no row. */
    private static RollupRow row(Granularity g, long orgId, Metric metric, long bucket, BucketTotal total, long sourceTsMs) {
        boolean empty = total.isEmpty();
        return new RollupRow(g, orgId, metric.metricName(), metric.type().sqlName(), bucket,
                empty ? 0.0 : total.value.doubleValue(), empty ? 0 : total.count, sourceTsMs);
    }

    @Override
    public void open() throws Exception {
        super.open();
        totals = new ArrayList<>();
        for (StateDescriptor<?, ?> d : keyedStates()) {
            if (d instanceof MapStateDescriptor<?, ?>) {
                @SuppressWarnings("unchecked")
                MapStateDescriptor<Long, BucketTotal> tier = (MapStateDescriptor<Long, BucketTotal>) d;
                totals.add(getKeyedStateStore().getMapState(tier));
            } else {
                @SuppressWarnings("unchecked")
                ValueStateDescriptor<Long> next = (ValueStateDescriptor<Long>) d;
                nextCleanup = getKeyedStateStore().getState(next);
            }
        }
        timers = getInternalTimerService(CLEANUP_TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        deltasApplied = JobMetrics.of(getRuntimeContext().getMetricGroup()).counter(JobMetrics.METRIC_DELTAS);
        pending = new HashMap<>();
        pendingBuckets = 0;
        horizons = new RetentionHorizons(retention);
    }

    @Override
    public void processElement(StreamRecord<MetricDelta> element) throws Exception {
        if (finalRowsEmitted) {
            // A source's last watermark came before this delta: the final rows already out would miss it.
            throw new IllegalStateException("a metric delta after the end of the input's watermark: the bootstrap's final rows"
                    + " were already emitted");
        }
        MetricDelta delta = element.getValue();
        deltasApplied.inc();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        long hour = Granularity.HOURLY.bucketStart(delta.eventTimeMs);
        if (!retainedInAnyTier(hour, now)) {
            return; // past every tier's retention: no longer kept nor written
        }
        Map<Long, Pending> hours = pending.computeIfAbsent(new PendingKey(delta.orgId, delta.metric), k -> new HashMap<>());
        Pending p = hours.get(hour);
        if (p == null) {
            p = new Pending();
            hours.put(hour, p);
            pendingBuckets++;
        }
        p.add(delta);
        if (pendingBuckets >= maxPendingBuckets) {
            flush();
        }
    }

    /** The barrier of a checkpoint is about to pass: apply and emit everything pending first. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    /** End of a bounded input. */
    @Override
    public void endInput() throws Exception {
        flush();
    }

    private boolean retainedInAnyTier(long hourStart, long now) {
        for (Granularity g : TIERS) {
            // The horizon is a bucket start of g, so the hour is in a retained bucket of g exactly
            // when it is at or after the horizon: no bucket of g to compute per delta.
            if (hourStart >= horizons.of(g, now)) {
                return true;
            }
        }
        return false;
    }

    /** Applies every pending delta to the totals in state and emits the buckets whose totals changed. */
    private void flush() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (Map.Entry<PendingKey, Map<Long, Pending>> entry : pending.entrySet()) {
            long orgId = entry.getKey().orgId();
            Metric metric = entry.getKey().metric();
            setCurrentKey(MetricDelta.rollupKey(orgId, metric));
            boolean changed = false;
            for (Granularity g : TIERS) {
                changed |= applyTier(g, orgId, metric, entry.getValue(), now);
            }
            if (changed && nextCleanup.value() == null) {
                long at = now + CLEANUP_INTERVAL_MS;
                nextCleanup.update(at);
                timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, at);
            }
        }
        pending.clear();
        pendingBuckets = 0;
    }

    /** One tier of one key: the pending hours summed per bucket, applied, and emitted; whether any bucket changed. */
    private boolean applyTier(Granularity g, long orgId, Metric metric, Map<Long, Pending> hours, long now)
            throws Exception {
        Map<Long, Pending> byBucket;
        if (g == Granularity.HOURLY) {
            byBucket = hours;
        } else {
            byBucket = new HashMap<>();
            for (Map.Entry<Long, Pending> h : hours.entrySet()) {
                byBucket.computeIfAbsent(g.bucketStart(h.getKey()), b -> new Pending()).add(h.getValue());
            }
        }
        long horizon = horizons.of(g, now);
        MapState<Long, BucketTotal> tierTotals = totals.get(g.ordinal());
        boolean changed = false;
        for (Map.Entry<Long, Pending> b : byBucket.entrySet()) {
            long bucket = b.getKey();
            Pending p = b.getValue();
            if (bucket < horizon || p.isNoChange()) {
                continue;
            }
            BucketTotal total = tierTotals.get(bucket);
            BucketTotal updated = (total == null ? new BucketTotal() : total).plus(p.value.value(), p.count);
            if (updated.isEmpty() && updated.value.signum() == 0) {
                tierTotals.remove(bucket);
            } else {
                tierTotals.put(bucket, updated);
            }
            output.collect(new StreamRecord<>(row(g, orgId, metric, bucket, updated, p.newestSourceTsMs)));
            changed = true;
        }
        return changed;
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        Long cleanupAt = nextCleanup.value();
        if (cleanupAt != null && timer.getTimestamp() >= cleanupAt) {
            nextCleanup.clear();
            if (dropExpiredBuckets(timer.getTimestamp())) {
                long at = timer.getTimestamp() + CLEANUP_INTERVAL_MS;
                nextCleanup.update(at);
                timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, at);
            }
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // no event-time timers
    }

    /** Removes buckets past retention; returns whether any bucket is left to watch. */
    private boolean dropExpiredBuckets(long now) throws Exception {
        boolean anyLeft = false;
        for (Granularity g : TIERS) {
            long horizon = horizons.of(g, now);
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
