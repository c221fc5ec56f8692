package io.github.dashboardmetrics.wire;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.util.InstantiationUtil;

/**
 * A bootstrap operator's final snapshot (state/FinalSnapshot) on its way to the savepoint's
 * metadata: the subtask's index, then the handles of the state it wrote in their Java
 * serialization, length first, as Flink moves state handles between its own processes. As a
 * generic type they would go through Kryo, which copies them by reflection into the JDK's and
 * Flink's private classes. A handful of records per bootstrap.
 */
public final class SubtaskStateSerializer extends WireSerializer<TaggedOperatorSubtaskState> {
    private static final long serialVersionUID = 1L;
    public static final SubtaskStateSerializer INSTANCE = new SubtaskStateSerializer();

    @Override
    public TaggedOperatorSubtaskState createInstance() {
        return null;
    }

    /** The handles describe files already written and are never changed: a copy shares them. */
    @Override
    public TaggedOperatorSubtaskState copy(TaggedOperatorSubtaskState from) {
        return new TaggedOperatorSubtaskState(from.index, from.state);
    }

    @Override
    public void serialize(TaggedOperatorSubtaskState record, DataOutputView target) throws IOException {
        target.writeInt(record.index);
        byte[] state = InstantiationUtil.serializeObject(record.state);
        target.writeInt(state.length);
        target.write(state);
    }

    @Override
    public TaggedOperatorSubtaskState deserialize(DataInputView source) throws IOException {
        int index = source.readInt();
        byte[] state = new byte[source.readInt()];
        source.readFully(state);
        try {
            OperatorSubtaskState handles = InstantiationUtil.deserializeObject(state, SubtaskStateSerializer.class.getClassLoader());
            return new TaggedOperatorSubtaskState(index, handles);
        } catch (ClassNotFoundException e) {
            throw new IOException("the state handles of subtask " + index + " name a class this build does not have", e);
        }
    }
}
