package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.data.Envelope;
import io.debezium.relational.TableId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkKind;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetUtils;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The emitter on Flink CDC's own records and split states: a chunk handed over in batches reaches
 * the output only together with its high watermark, so a checkpoint between two batches holds
 * none of it and a chunk marked read holds all of it; a streamed transaction reaches it only once
 * complete, and the stream's offset never passes a change not emitted.
 */
class WholeUnitEmitterTest {
    private static final TableId USAGE = new TableId("unstract", "public", "usage");
    private static final Schema ROW = SchemaBuilder.struct().name("unstract.public.usage.Value")
            .field("id", Schema.INT64_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("txId", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema MARKER = SchemaBuilder.struct().name(WholeUnitEmitter.TRANSACTION_MARKER_SCHEMA)
            .field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA).build();
    private static final Envelope ENVELOPE = Envelope.defineSchema().withName("unstract.public.usage.Envelope")
            .withRecord(ROW).withSource(SOURCE).build();

    private final Output output = new Output();
    private final WholeUnitEmitter<Long> emitter = new WholeUnitEmitter<>(new RowIds(),
            new SourceReaderMetrics(UnregisteredMetricsGroup.createSourceReaderMetricGroup()), false,
            new PostgresOffsetFactory());

    @Test
    void aChunkHandedOverInBatchesIsEmittedWithItsHighWatermarkAndNotBefore() throws Exception {
        SnapshotSplitState split = snapshotSplit("usage:0");
        emitter.emitRecord(batch(watermark("usage:0", WatermarkKind.LOW, 100), read(1), read(2)), output, split);
        emitter.emitRecord(batch(read(3), read(4)), output, split);

        // A checkpoint here would hold no row of the chunk, and the chunk as not read yet.
        assertThat(output.ids).isEmpty();
        assertThat(split.toSourceSplit().isSnapshotReadFinished()).isFalse();
        assertThat(emitter.heldBack()).isEqualTo(4);

        emitter.emitRecord(batch(read(5), watermark("usage:0", WatermarkKind.HIGH, 100)), output, split);
        assertThat(output.ids).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(split.toSourceSplit().isSnapshotReadFinished()).isTrue();
        assertThat(emitter.heldBack()).isZero();
    }

    @Test
    void aChunkReadAgainFromItsLowWatermarkForgetsTheRowsOfTheAbandonedRead() throws Exception {
        SnapshotSplitState split = snapshotSplit("usage:1");
        emitter.emitRecord(batch(watermark("usage:1", WatermarkKind.LOW, 100), read(10), read(11)), output, split);
        // The read failed and the reader starts the chunk over: row 11 was deleted meanwhile.
        emitter.emitRecord(batch(watermark("usage:1", WatermarkKind.LOW, 200), read(10)), output, split);
        emitter.emitRecord(batch(read(12), watermark("usage:1", WatermarkKind.HIGH, 200)), output, split);
        assertThat(output.ids).containsExactly(10L, 12L);
    }

    @Test
    void aStreamedTransactionIsEmittedWhenItsEndArrivesAndTheOffsetNeverPassesAHeldChange() throws Exception {
        StreamSplitState stream = streamSplit();
        emitter.emitRecord(batch(marker("BEGIN", 5), change(20, 5L), change(21, 5L)), output, stream);
        emitter.emitRecord(batch(change(22, 5L)), output, stream);

        // A checkpoint here holds none of transaction 5, and restores the stream to before it.
        assertThat(output.ids).isEmpty();
        assertThat(emitter.heldChanges()).isEqualTo(3);
        assertThat(stream.getStartingOffset()).isEqualTo(offset(100));

        emitter.emitRecord(batch(marker("END", 5)), output, stream);
        assertThat(output.ids).containsExactly(20L, 21L, 22L);
        assertThat(emitter.heldChanges()).isZero();
        assertThat(stream.getStartingOffset()).isEqualTo(offset(22));
    }

    @Test
    void theSplitsOffsetKeepsNoTransactionContextSoThatItRestores() throws Exception {
        StreamSplitState stream = streamSplit();
        // As Debezium writes it with provide.transaction.metadata.
        Map<String, Object> offset = Map.of("lsn", 40L, "txId", 9L, "ts_usec", 1_000L, "lsn_commit", 41L,
                "transaction_id", "9", "transaction_data_collection_order_public.usage", 1L);
        emitter.emitRecord(batch(change(40, 9L, offset), marker("END", 9)), output, stream);
        assertThat(stream.getStartingOffset().getOffset()).containsOnlyKeys("lsn", "txId", "ts_usec", "lsn_commit");
        // What Flink CDC does with the offset of a restored split (every value read as a number).
        PostgresOffsetUtils.getPostgresOffsetContext(new PostgresOffsetContext.Loader(
                new PostgresConnectorConfig(Configuration.create().with("topic.prefix", "unstract")
                        .with("database.server.name", "unstract").build())), stream.getStartingOffset());
    }

    @Test
    void aPositionMessageMovesTheStreamPastItAfterEmittingWhatIsHeldAndIsNoChange() throws Exception {
        StreamSplitState stream = streamSplit();
        emitter.emitRecord(batch(change(20, 5L), change(21, 5L)), output, stream);
        assertThat(stream.getStartingOffset()).isEqualTo(offset(100));

        emitter.emitRecord(batch(message(30)), output, stream);
        assertThat(output.ids).as("the held transaction first; the message is no change").containsExactly(20L, 21L);
        assertThat(stream.getStartingOffset().getOffset()).containsEntry("lsn", "30");

        emitter.emitRecord(batch(message(35), message(40)), output, stream);
        assertThat(output.ids).containsExactly(20L, 21L);
        assertThat(stream.getStartingOffset().getOffset()).containsEntry("lsn", "40").containsEntry("lsn_proc", "40");
    }

    @Test
    void theFirstChangeOfAnotherTransactionCompletesTheHeldOne() throws Exception {
        StreamSplitState stream = streamSplit();
        emitter.emitRecord(batch(change(30, 6L), change(31, 6L), change(32, 7L)), output, stream);
        assertThat(output.ids).containsExactly(30L, 31L);
        assertThat(emitter.heldChanges()).isEqualTo(1);
    }

    @Test
    void aTransactionLargerThanTheLimitIsEmittedInParts() throws Exception {
        StreamSplitState stream = streamSplit();
        List<SourceRecord> changes = new ArrayList<>();
        for (long id = 1; id <= WholeUnitEmitter.MAX_HELD_CHANGES + 3; id++) {
            changes.add(change(id, 8L));
        }
        emitter.emitRecord(new SourceRecords(changes), output, stream);
        assertThat(output.ids).hasSize(WholeUnitEmitter.MAX_HELD_CHANGES);
        assertThat(emitter.heldChanges()).isEqualTo(3);
    }

    @Test
    void changesWithoutATransactionPassStraightThrough() throws Exception {
        StreamSplitState stream = streamSplit();
        emitter.emitRecord(batch(change(7, null)), output, stream);
        assertThat(output.ids).containsExactly(7L);
        emitter.emitRecord(batch(change(8, null)), output, stream);
        assertThat(output.ids).containsExactly(7L, 8L);
    }

    private static StreamSplitState streamSplit() {
        return new StreamSplitState(new StreamSplit("stream-split", offset(100), PostgresOffset.NO_STOPPING_OFFSET,
                List.of(), Map.of(), 0));
    }

    private static SnapshotSplitState snapshotSplit(String id) {
        return new SnapshotSplitState(new SnapshotSplit(USAGE, id, RowType.of(new BigIntType()), null, null, null,
                Map.of()));
    }

    private static SourceRecords batch(SourceRecord... records) {
        return new SourceRecords(new ArrayList<>(List.of(records)));
    }

    private static SourceRecord watermark(String splitId, WatermarkKind kind, long lsn) {
        return WatermarkEvent.create(Map.of("server", "unstract"), "__watermarks", splitId, kind, offset(lsn));
    }

    private static PostgresOffset offset(long lsn) {
        return (PostgresOffset) new PostgresOffsetFactory().newOffset(Map.of("lsn", Long.toString(lsn)));
    }

    private static SourceRecord read(long id) {
        return change(id, Envelope.Operation.READ, null);
    }

    /** A streamed insert of row {@code id} at lsn {@code id} in source transaction {@code txId} (null: none). */
    private static SourceRecord change(long id, Long txId) {
        return change(id, Envelope.Operation.CREATE, txId);
    }

    private static SourceRecord change(long id, Long txId, Map<String, ?> offset) {
        SourceRecord change = change(id, txId);
        return new SourceRecord(change.sourcePartition(), offset, change.topic(), change.keySchema(), change.key(),
                change.valueSchema(), change.value());
    }

    private static SourceRecord change(long id, Envelope.Operation op, Long txId) {
        Struct row = new Struct(ROW).put("id", id);
        Struct source = new Struct(SOURCE).put("db", "unstract").put("schema", "public").put("table", "usage")
                .put("txId", txId);
        Struct value = op == Envelope.Operation.READ
                ? ENVELOPE.read(row, source, Instant.EPOCH)
                : ENVELOPE.create(row, source, Instant.EPOCH);
        return new SourceRecord(Map.of("server", "unstract"), Map.of("lsn", id), "unstract.public.usage",
                ROW, new Struct(ROW).put("id", id), ENVELOPE.schema(), value);
    }

    /** A logical decoding message at {@code lsn}, as Debezium reads the job's position marks. */
    private static SourceRecord message(long lsn) {
        Schema schema = SchemaBuilder.struct().name(WholeUnitEmitter.MESSAGE_SCHEMA).field("op", Schema.STRING_SCHEMA).build();
        return new SourceRecord(Map.of("server", "unstract"), Map.of("lsn", lsn, "lsn_proc", lsn), "unstract.message", null,
                null, schema, new Struct(schema).put("op", "m"));
    }

    private static SourceRecord marker(String status, long txId) {
        return new SourceRecord(Map.of("server", "unstract"), Map.of("lsn", 0L), "unstract.transaction", null, null,
                MARKER, new Struct(MARKER).put("status", status).put("id", Long.toString(txId)));
    }

    /** The row id of each change. */
    private static final class RowIds implements DebeziumDeserializationSchema<Long> {
        @Override
        public void deserialize(SourceRecord record, Collector<Long> out) {
            out.collect(((Struct) record.key()).getInt64("id"));
        }

        @Override
        public TypeInformation<Long> getProducedType() {
            return TypeInformation.of(Long.class);
        }
    }

    /** What reaches the job, in order. */
    private static final class Output implements SourceOutput<Long> {
        final List<Long> ids = new ArrayList<>();

        @Override
        public void collect(Long id) {
            ids.add(id);
        }

        @Override
        public void collect(Long id, long timestamp) {
            ids.add(id);
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    }
}
