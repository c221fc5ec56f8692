package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.attribute.JoinInput;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link JoinInput} on the wire: its key, then whichever of change, dimension and contribution it holds. */
public final class JoinInputSerializer extends WireSerializer<JoinInput> {
    private static final long serialVersionUID = 1L;
    public static final JoinInputSerializer INSTANCE = new JoinInputSerializer();

    @Override
    public JoinInput createInstance() {
        return new JoinInput();
    }

    @Override
    public JoinInput copy(JoinInput from) {
        if (from == null) {
            return null;
        }
        JoinInput in = new JoinInput();
        in.key = from.key;
        in.change = RowChangeSerializer.INSTANCE.copy(from.change);
        in.dimension = SourceRowSerializer.INSTANCE.copy(from.dimension);
        in.weight = from.weight;
        in.sourceTsMs = from.sourceTsMs;
        in.contribution = ContributionSerializer.INSTANCE.copy(from.contribution);
        return in;
    }

    @Override
    public void serialize(JoinInput j, DataOutputView out) throws IOException {
        writeString(j.key, out);
        RowChangeSerializer.INSTANCE.serializeNullable(j.change, out);
        SourceRowSerializer.INSTANCE.serializeNullable(j.dimension, out);
        out.writeInt(j.weight);
        out.writeLong(j.sourceTsMs);
        ContributionSerializer.INSTANCE.serializeNullable(j.contribution, out);
    }

    @Override
    public JoinInput deserialize(DataInputView source) throws IOException {
        JoinInput in = new JoinInput();
        in.key = readString(source);
        in.change = RowChangeSerializer.INSTANCE.deserializeNullable(source);
        in.dimension = SourceRowSerializer.INSTANCE.deserializeNullable(source);
        in.weight = source.readInt();
        in.sourceTsMs = source.readLong();
        in.contribution = ContributionSerializer.INSTANCE.deserializeNullable(source);
        return in;
    }

    public static final class Factory extends WireType.Factory<JoinInput> {
        public Factory() {
            super(JoinInput.class, INSTANCE);
        }
    }
}
