package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.metric.MetricDelta;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link MetricDelta} on the wire. */
public final class MetricDeltaSerializer extends WireSerializer<MetricDelta> {
    private static final long serialVersionUID = 1L;
    public static final MetricDeltaSerializer INSTANCE = new MetricDeltaSerializer();

    @Override
    public MetricDelta createInstance() {
        return new MetricDelta();
    }

    @Override
    public MetricDelta copy(MetricDelta from) {
        return from == null ? null
                : new MetricDelta(from.orgId, from.metric, from.eventTimeMs, from.value, from.count, from.sourceTsMs);
    }

    @Override
    public void serialize(MetricDelta d, DataOutputView out) throws IOException {
        out.writeLong(d.orgId);
        writeMetric(d.metric, out);
        out.writeLong(d.eventTimeMs);
        out.writeDouble(d.value);
        out.writeLong(d.count);
        out.writeLong(d.sourceTsMs);
    }

    @Override
    public MetricDelta deserialize(DataInputView in) throws IOException {
        return new MetricDelta(in.readLong(), readMetric(in), in.readLong(), in.readDouble(), in.readLong(), in.readLong());
    }

    public static final class Factory extends WireType.Factory<MetricDelta> {
        public Factory() {
            super(MetricDelta.class, INSTANCE);
        }
    }
}
