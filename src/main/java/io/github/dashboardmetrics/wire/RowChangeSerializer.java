package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.change.RowChange;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link RowChange} on the wire. */
public final class RowChangeSerializer extends WireSerializer<RowChange> {
    private static final long serialVersionUID = 1L;
    public static final RowChangeSerializer INSTANCE = new RowChangeSerializer();

    @Override
    public RowChange createInstance() {
        return new RowChange();
    }

    @Override
    public RowChange copy(RowChange from) {
        if (from == null) {
            return null;
        }
        RowChange c = new RowChange(from.op, from.kind, from.key, SourceRowSerializer.INSTANCE.copy(from.after), from.lsn,
                from.sourceTsMs);
        c.sourcePosition = from.sourcePosition;
        return c;
    }

    @Override
    public void serialize(RowChange c, DataOutputView out) throws IOException {
        out.writeChar(c.op);
        writeKind(c.kind, out);
        writeString(c.key, out);
        SourceRowSerializer.INSTANCE.serializeNullable(c.after, out);
        out.writeLong(c.lsn);
        out.writeLong(c.sourceTsMs);
        writeString(c.sourcePosition, out);
    }

    @Override
    public RowChange deserialize(DataInputView in) throws IOException {
        RowChange c = new RowChange(in.readChar(), readKind(in), readString(in), SourceRowSerializer.INSTANCE.deserializeNullable(in),
                in.readLong(), in.readLong());
        c.sourcePosition = readString(in);
        return c;
    }

    public static final class Factory extends WireType.Factory<RowChange> {
        public Factory() {
            super(RowChange.class, INSTANCE);
        }
    }
}
