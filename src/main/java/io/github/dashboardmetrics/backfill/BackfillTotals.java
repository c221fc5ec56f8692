package io.github.dashboardmetrics.backfill;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.rollup.BucketTotal;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The end of a bounded backfill: sums every delta of a snapshot into exact hour, day and month
 * totals and, once the input has ended, emits each non-empty bucket once. Runs with parallelism
 * 1 and holds its sums in memory: a backfill is a one-shot job that is rerun from scratch if it
 * fails, and the buckets of a range fit in memory many times over (organisations x 12 metrics x
 * buckets).
 */
public class BackfillTotals extends AbstractStreamOperator<RollupRow>
        implements OneInputStreamOperator<MetricDelta, RollupRow>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private record Bucket(Granularity granularity, long orgId, Metric metric, long start) {}

    private transient Map<Bucket, BucketTotal> totals;

    @Override
    public void open() throws Exception {
        super.open();
        totals = new HashMap<>();
    }

    @Override
    public void processElement(StreamRecord<MetricDelta> element) {
        MetricDelta d = element.getValue();
        for (Granularity g : Granularity.values()) {
            totals.merge(new Bucket(g, d.orgId, d.metric, g.bucketStart(d.eventTimeMs)),
                    new BucketTotal().plus(d.value, d.count),
                    (a, b) -> new BucketTotal(a.value.add(b.value), a.count + b.count));
        }
    }

    @Override
    public void endInput() {
        for (Map.Entry<Bucket, BucketTotal> e : totals.entrySet()) {
            Bucket b = e.getKey();
            BucketTotal total = Objects.requireNonNull(e.getValue());
            if (!total.isEmpty()) {
                output.collect(new StreamRecord<>(new RollupRow(b.granularity(), b.orgId(), b.metric().metricName(),
                        b.metric().type().sqlName(), b.start(), total.value.doubleValue(), total.count, 0L)));
            }
        }
        totals.clear();
    }
}
