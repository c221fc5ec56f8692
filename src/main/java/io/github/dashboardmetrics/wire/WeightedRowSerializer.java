package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.change.WeightedRow;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link WeightedRow} on the wire. */
public final class WeightedRowSerializer extends WireSerializer<WeightedRow> {
    private static final long serialVersionUID = 1L;
    public static final WeightedRowSerializer INSTANCE = new WeightedRowSerializer();

    @Override
    public WeightedRow createInstance() {
        return new WeightedRow();
    }

    @Override
    public WeightedRow copy(WeightedRow from) {
        return from == null ? null : new WeightedRow(SourceRowSerializer.INSTANCE.copy(from.row), from.weight, from.sourceTsMs);
    }

    @Override
    public void serialize(WeightedRow w, DataOutputView out) throws IOException {
        SourceRowSerializer.INSTANCE.serializeNullable(w.row, out);
        out.writeInt(w.weight);
        out.writeLong(w.sourceTsMs);
    }

    @Override
    public WeightedRow deserialize(DataInputView in) throws IOException {
        return new WeightedRow(SourceRowSerializer.INSTANCE.deserializeNullable(in), in.readInt(), in.readLong());
    }

    public static final class Factory extends WireType.Factory<WeightedRow> {
        public Factory() {
            super(WeightedRow.class, INSTANCE);
        }
    }
}
