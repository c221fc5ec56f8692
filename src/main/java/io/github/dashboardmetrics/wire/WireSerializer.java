package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.metric.Metric;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A hand-written serializer of a record that only travels between the job's operators: over the
 * network between subtasks, and copied between chained operators. Flink's POJO serializer does
 * the same by reflection, one field accessor call per field and a reflective constructor per
 * record; a profile of the snapshot put 28 % of the job's CPU samples there (BENCHMARKS.md).
 *
 * <p>None of these records is kept in state, so their format is not part of the savepoint
 * contract: it may change between versions (the job runs with aligned checkpoints, so no record
 * in flight is written into a checkpoint either). Enums still travel as their stable codes, not
 * ordinals, like everything else in this job.
 *
 * <p>{@link #copy(Object)} is a deep copy written out field by field: an operator may change a
 * record it was handed, and the next chained operator must not see that.
 */
public abstract class WireSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public final boolean isImmutableType() {
        return false;
    }

    @Override
    public final T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public final int getLength() {
        return -1;
    }

    @Override
    public final T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public final void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    /** A record of this type that may be null, inside another record. */
    final void serializeNullable(T record, DataOutputView out) throws IOException {
        out.writeBoolean(record != null);
        if (record != null) {
            serialize(record, out);
        }
    }

    final T deserializeNullable(DataInputView in) throws IOException {
        return in.readBoolean() ? deserialize(in) : null;
    }

    /** One snapshot class for all of them: it names the serializer's class, whose INSTANCE it restores. */
    @Override
    public final TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /** The snapshot of a {@link WireSerializer}; the job never writes one into state, Flink asks for it all the same. */
    public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
        private WireSerializer<T> serializer;

        public Snapshot() {}

        Snapshot(WireSerializer<T> serializer) {
            this.serializer = serializer;
        }

        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeUTF(serializer.getClass().getName());
        }

        @Override
        @SuppressWarnings("unchecked")
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            String name = in.readUTF();
            try {
                serializer = (WireSerializer<T>) Class.forName(name, true, classLoader).getField("INSTANCE").get(null);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IOException("not a serializer of records between operators: " + name, e);
            }
        }

        @Override
        public TypeSerializer<T> restoreSerializer() {
            return serializer;
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> oldSnapshot) {
            return oldSnapshot instanceof Snapshot<T> old && old.serializer == serializer
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    /**
     * A string or null. Ids, statuses and names are ASCII: their characters go as one byte each,
     * written and read in bulk ({@link StringValue}'s format, one call per character, was 10 % of
     * the job's samples in the snapshot). A header (variable length) says which: 0 null,
     * {@code 2 * (length + 1)} ASCII bytes, {@code 2 * (length + 1) + 1} anything else, in
     * {@link StringValue}'s format.
     */
    static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            writeVarInt(0, out);
            return;
        }
        int length = s.length();
        boolean ascii = true;
        for (int i = 0; i < length && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        writeVarInt(2 * (length + 1) + (ascii ? 0 : 1), out);
        if (ascii) {
            // One array copy for a compact string. Not out.writeBytes(s): Flink's DataOutputSerializer
            // advances its position twice there (the round-trip test caught it).
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            StringValue.writeString(s, out);
        }
    }

    static String readString(DataInputView in) throws IOException {
        int header = readVarInt(in);
        if (header == 0) {
            return null;
        }
        if ((header & 1) == 1) {
            return StringValue.readString(in);
        }
        byte[] bytes = new byte[header / 2 - 1];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static void writeVarInt(int v, DataOutputView out) throws IOException {
        while ((v & ~0x7f) != 0) {
            out.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    private static int readVarInt(DataInputView in) throws IOException {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }

    /** A boxed long or null. */
    static void writeNullableLong(Long v, DataOutputView out) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    static Long readNullableLong(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    /** A source table by its stable code (0: null). */
    static void writeKind(RowKind kind, DataOutputView out) throws IOException {
        out.writeByte(kind == null ? 0 : kind.code());
    }

    static RowKind readKind(DataInputView in) throws IOException {
        int code = in.readByte();
        try {
            return code == 0 ? null : RowKind.ofCode(code);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** A metric by its stable code (-1: null). */
    static void writeMetric(Metric metric, DataOutputView out) throws IOException {
        out.writeByte(metric == null ? -1 : metric.code());
    }

    static Metric readMetric(DataInputView in) throws IOException {
        int code = in.readByte();
        try {
            return code == -1 ? null : Metric.ofCode(code);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
