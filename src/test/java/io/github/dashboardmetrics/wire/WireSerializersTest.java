package io.github.dashboardmetrics.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.attribute.Contribution;
import io.github.dashboardmetrics.attribute.JoinInput;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.change.WeightedRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.source.ChangeMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeOffsets;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * The records passed between operators: Flink picks their hand-written serializers (not the POJO
 * serializer), every field survives the wire and a copy, nulls and odd values included, and a copy
 * shares nothing mutable with its original. Random records; the seed is printed.
 */
class WireSerializersTest {
    private static final long SEED = System.nanoTime();
    private static final Random RANDOM = new Random(SEED);

    static {
        System.out.println("WireSerializersTest seed " + SEED);
    }

    @Test
    void flinkUsesTheWireSerializerForEveryRecordPassedBetweenOperators() {
        for (Class<?> type : List.of(RowChange.class, SourceRow.class, WeightedRow.class, JoinInput.class, Contribution.class,
                MetricDelta.class, ChangeMessage.class)) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isInstanceOf(WireType.class);
            assertThat(info.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
                    .as(type.getSimpleName()).isInstanceOf(WireSerializer.class);
        }
    }

    @Test
    void rowChangesOfEveryShapeRoundTripAndCopyDeeply() throws IOException {
        for (int i = 0; i < 500; i++) {
            RowChange change = change();
            assertRoundTripAndCopy(RowChangeSerializer.INSTANCE, change);
            RowChange copy = RowChangeSerializer.INSTANCE.copy(change);
            if (change.after != null) {
                assertThat(copy.after).isNotSameAs(change.after).isEqualTo(change.after);
                copy.after.status = "changed by an operator";
                assertThat(change.after.status).isNotEqualTo("changed by an operator");
            }
        }
    }

    @Test
    void joinInputsWithAChangeADimensionOrAContributionRoundTripAndCopyDeeply() throws IOException {
        for (int i = 0; i < 300; i++) {
            assertRoundTripAndCopy(JoinInputSerializer.INSTANCE, JoinInput.ofChange("k" + i, change()));
            assertRoundTripAndCopy(JoinInputSerializer.INSTANCE,
                    JoinInput.ofDimension("d" + i, row(), RANDOM.nextBoolean() ? 1 : -1, RANDOM.nextLong()));
            JoinInput sum = JoinInput.ofContribution(contribution());
            assertRoundTripAndCopy(JoinInputSerializer.INSTANCE, sum);
            assertThat(JoinInputSerializer.INSTANCE.copy(sum).contribution).isNotSameAs(sum.contribution);
        }
    }

    @Test
    void weightedRowsContributionsDeltasAndMessagesRoundTripAndCopy() throws IOException {
        for (int i = 0; i < 300; i++) {
            assertRoundTripAndCopy(WeightedRowSerializer.INSTANCE, new WeightedRow(row(), RANDOM.nextInt(), RANDOM.nextLong()));
            assertRoundTripAndCopy(ContributionSerializer.INSTANCE, contribution());
            Metric metric = Metric.values()[RANDOM.nextInt(Metric.values().length)];
            assertRoundTripAndCopy(MetricDeltaSerializer.INSTANCE, new MetricDelta(RANDOM.nextLong(), metric, RANDOM.nextLong(),
                    odd(), RANDOM.nextLong(), RANDOM.nextLong()));
            assertRoundTripAndCopy(ChangeMessageSerializer.INSTANCE, new ChangeMessage(text(), text()));
            assertRoundTripAndCopy(ChangeMessageSerializer.INSTANCE, ChangeMessage.decoded(change()));
        }
    }

    @Test
    void aMetricDeltaKeepsItsMetricAndAnUnknownCodeIsAnError() throws IOException {
        for (Metric m : Metric.values()) {
            MetricDelta d = roundTrip(MetricDeltaSerializer.INSTANCE, new MetricDelta(7, m, 1, 2.5, 3, 4));
            assertThat(d.metric).isEqualTo(m);
            assertThat(d.value).isEqualTo(2.5);
        }
        DataOutputSerializer out = new DataOutputSerializer(16);
        out.writeByte(99);
        assertThatThrownBy(() -> WireSerializer.readMetric(new DataInputDeserializer(out.getCopyOfBuffer())))
                .hasMessageContaining("unknown metric code 99");
        out.clear();
        out.writeByte(30);
        assertThatThrownBy(() -> WireSerializer.readKind(new DataInputDeserializer(out.getCopyOfBuffer())))
                .hasMessageContaining("unknown source table code 30");
    }

    /** A bootstrap operator's final snapshot: its subtask and its state handles, equal after the trip. */
    @Test
    void aFinalSnapshotTravelsWithItsSubtaskAndHandles() throws IOException {
        OperatorSubtaskState state = OperatorSubtaskState.builder()
                .setManagedKeyedState(new KeyGroupsStateHandle(new KeyGroupRangeOffsets(0, 1, new long[] {0, 3}),
                        new ByteStreamStateHandle("keyed", new byte[] {1, 2, 3, 4, 5, 6})))
                .build();
        TaggedOperatorSubtaskState snapshot = new TaggedOperatorSubtaskState(1, state);
        assertRoundTripAndCopy(SubtaskStateSerializer.INSTANCE, snapshot);
        TaggedOperatorSubtaskState read = roundTrip(SubtaskStateSerializer.INSTANCE, snapshot);
        assertThat(read.index).isEqualTo(1);
        assertThat(read.state).isEqualTo(state);
    }

    @Test
    void theSerializerSnapshotsRestoreTheSameSerializer() throws IOException {
        for (WireSerializer<?> s : List.of(RowChangeSerializer.INSTANCE, SourceRowSerializer.INSTANCE, WeightedRowSerializer.INSTANCE,
                JoinInputSerializer.INSTANCE, ContributionSerializer.INSTANCE, MetricDeltaSerializer.INSTANCE,
                ChangeMessageSerializer.INSTANCE, SubtaskStateSerializer.INSTANCE)) {
            TypeSerializerSnapshot<?> snapshot = s.snapshotConfiguration();
            DataOutputSerializer out = new DataOutputSerializer(64);
            TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
            TypeSerializerSnapshot<?> read = TypeSerializerSnapshot.readVersionedSnapshot(
                    new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
            assertThat(read.restoreSerializer()).isSameAs(s);
            assertThat(s.duplicate()).isSameAs(s);
            @SuppressWarnings({"unchecked", "rawtypes"})
            boolean compatible = ((TypeSerializerSnapshot) s.snapshotConfiguration())
                    .resolveSchemaCompatibility((TypeSerializerSnapshot) read).isCompatibleAsIs();
            assertThat(compatible).as(s.getClass().getSimpleName()).isTrue();
            @SuppressWarnings({"unchecked", "rawtypes"})
            boolean other = ((TypeSerializerSnapshot) s.snapshotConfiguration()).resolveSchemaCompatibility(
                    (TypeSerializerSnapshot) (s == MetricDeltaSerializer.INSTANCE ? ContributionSerializer.INSTANCE
                            : MetricDeltaSerializer.INSTANCE).snapshotConfiguration()).isIncompatible();
            assertThat(other).as("another record's snapshot").isTrue();
        }
    }

    /** Serialized, read back and copied, the record writes the same bytes again; a copy is a new object. */
    private static <T> void assertRoundTripAndCopy(TypeSerializer<T> serializer, T record) throws IOException {
        byte[] bytes = bytes(serializer, record);
        T read = roundTrip(serializer, record);
        assertThat(bytes(serializer, read)).as("read back: %s", record).isEqualTo(bytes);
        T copy = serializer.copy(record);
        assertThat(copy).isNotSameAs(record);
        assertThat(bytes(serializer, copy)).as("copied: %s", record).isEqualTo(bytes);
        DataOutputSerializer streamed = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(bytes), streamed);
        assertThat(streamed.getCopyOfBuffer()).isEqualTo(bytes);
    }

    private static <T> T roundTrip(TypeSerializer<T> serializer, T record) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes(serializer, record));
        T read = serializer.deserialize(in);
        assertThat(in.available()).as("every byte read").isZero();
        return read;
    }

    private static <T> byte[] bytes(TypeSerializer<T> serializer, T record) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(record, out);
        return out.getCopyOfBuffer();
    }

    private static RowChange change() {
        char op = "crudt".charAt(RANDOM.nextInt(5));
        RowKind kind = RANDOM.nextInt(10) == 0 ? null : RowKind.values()[RANDOM.nextInt(RowKind.values().length)];
        RowChange c = new RowChange(op, kind, text(), op == 'd' || op == 't' ? null : row(), RANDOM.nextLong(), RANDOM.nextLong());
        c.sourcePosition = text();
        return c;
    }

    private static SourceRow row() {
        SourceRow r = new SourceRow(RowKind.values()[RANDOM.nextInt(RowKind.values().length)], text());
        r.orgId = RANDOM.nextBoolean() ? null : RANDOM.nextLong();
        r.orgKey = text();
        r.parentId = text();
        r.pipelineId = text();
        r.status = text();
        r.reason = text();
        r.amount = odd();
        r.eventTime = RANDOM.nextBoolean() ? null : RANDOM.nextLong();
        r.approvedAt = RANDOM.nextBoolean() ? null : RANDOM.nextLong();
        return r;
    }

    private static Contribution contribution() {
        return new Contribution(text(), RANDOM.nextInt(), RANDOM.nextLong(), RANDOM.nextLong(), RANDOM.nextLong(), RANDOM.nextLong());
    }

    /** Null, empty, ASCII (up to headers of several bytes) or beyond (accents, CJK, a surrogate pair, just past ASCII). */
    private static String text() {
        List<String> choices = new ArrayList<>(Arrays.asList(null, "", "org_" + RANDOM.nextInt(1000), "été",
                "\u6587\u66f8 \ud83d\udcc4", "a".repeat(RANDOM.nextInt(300)), "\u007f\u0000", "\u0080",
                "x".repeat(RANDOM.nextInt(20_000)) + "\u00ff"));
        return choices.get(RANDOM.nextInt(choices.size()));
    }

    private static double odd() {
        double[] values = {0.0, -0.0, Double.NaN, Double.MAX_VALUE, 1e-300, RANDOM.nextDouble() * 1e6};
        return values[RANDOM.nextInt(values.length)];
    }
}
