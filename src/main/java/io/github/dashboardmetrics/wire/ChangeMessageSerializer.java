package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.source.ChangeMessage;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ChangeMessage} on the wire (in practice copied between the source and the chained decoder). */
public final class ChangeMessageSerializer extends WireSerializer<ChangeMessage> {
    private static final long serialVersionUID = 1L;
    public static final ChangeMessageSerializer INSTANCE = new ChangeMessageSerializer();

    @Override
    public ChangeMessage createInstance() {
        return new ChangeMessage();
    }

    @Override
    public ChangeMessage copy(ChangeMessage from) {
        if (from == null) {
            return null;
        }
        ChangeMessage m = new ChangeMessage(from.value, from.position);
        m.decoded = RowChangeSerializer.INSTANCE.copy(from.decoded);
        return m;
    }

    @Override
    public void serialize(ChangeMessage m, DataOutputView out) throws IOException {
        writeString(m.value, out);
        writeString(m.position, out);
        RowChangeSerializer.INSTANCE.serializeNullable(m.decoded, out);
    }

    @Override
    public ChangeMessage deserialize(DataInputView in) throws IOException {
        ChangeMessage m = new ChangeMessage(readString(in), readString(in));
        m.decoded = RowChangeSerializer.INSTANCE.deserializeNullable(in);
        return m;
    }

    public static final class Factory extends WireType.Factory<ChangeMessage> {
        public Factory() {
            super(ChangeMessage.class, INSTANCE);
        }
    }
}
