package io.github.dashboardmetrics.state;

import java.io.IOException;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.util.InstantiationUtil;

/**
 * The type of a {@link FinalSnapshot}'s record: a subtask's index and the handles of the state it
 * wrote, moved with Java serialization, as Flink moves state handles between its own processes,
 * rather than as a generic type (Kryo, which copies by reflection into the JDK's and Flink's
 * private classes the handles are made of). A handful of records per bootstrap.
 */
public final class SubtaskStateType extends TypeInformation<TaggedOperatorSubtaskState> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<TaggedOperatorSubtaskState> getTypeClass() {
        return TaggedOperatorSubtaskState.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<TaggedOperatorSubtaskState> createSerializer(ExecutionConfig config) {
        return Serializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "TaggedOperatorSubtaskState (Java serialization)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubtaskStateType;
    }

    @Override
    public int hashCode() {
        return SubtaskStateType.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SubtaskStateType;
    }

    /** The index as an int, then the state's Java serialization, length first. Never changed once built: copies share. */
    public static final class Serializer extends TypeSerializerSingleton<TaggedOperatorSubtaskState> {
        private static final long serialVersionUID = 1L;
        static final Serializer INSTANCE = new Serializer();

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public TaggedOperatorSubtaskState createInstance() {
            return null;
        }

        @Override
        public TaggedOperatorSubtaskState copy(TaggedOperatorSubtaskState from) {
            return from;
        }

        @Override
        public TaggedOperatorSubtaskState copy(TaggedOperatorSubtaskState from, TaggedOperatorSubtaskState reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return -1;
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
                OperatorSubtaskState handles = InstantiationUtil.deserializeObject(state, Serializer.class.getClassLoader());
                return new TaggedOperatorSubtaskState(index, handles);
            } catch (ClassNotFoundException e) {
                throw new IOException("the state handles of subtask " + index + " name a class this build does not have", e);
            }
        }

        @Override
        public TaggedOperatorSubtaskState deserialize(TaggedOperatorSubtaskState reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            target.writeInt(source.readInt());
            int length = source.readInt();
            target.writeInt(length);
            target.write(source, length);
        }

        @Override
        public TypeSerializerSnapshot<TaggedOperatorSubtaskState> snapshotConfiguration() {
            return new SerializerSnapshot();
        }
    }

    /** Never in any state: only for Flink's checks of a serializer. */
    public static final class SerializerSnapshot extends SimpleTypeSerializerSnapshot<TaggedOperatorSubtaskState> {
        public SerializerSnapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
