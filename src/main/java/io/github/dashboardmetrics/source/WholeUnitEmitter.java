package io.github.dashboardmetrics.source;

import static org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent.isHighWatermarkEvent;
import static org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent.isLowWatermarkEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.flink.cdc.connectors.base.utils.SourceRecordUtils;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Emits what Flink CDC reads in whole units, so that no checkpoint can hold part of one: a
 * snapshot chunk together with the high watermark that marks it read, and a streamed source
 * transaction once it is complete. A checkpoint barrier can only fall between two calls of
 * {@link #emitRecord}; what one call emits lands on one side of it.
 *
 * <p><b>Chunks.</b> Without the snapshot backfill (see {@link CdcSourceFactory}) Flink CDC hands
 * a chunk over in batches, and a checkpoint can fall between two of them: the checkpoint then
 * holds the first rows in the job's state but the chunk as unread, and a restore reads the chunk
 * again, later. A row that was deleted in between is not in the new read, and its delete is not
 * streamed either (the stream skips what precedes the chunk's new watermark): it would stay
 * counted for good. Held back until the high watermark, a chunk is either wholly in a checkpoint
 * and marked read (restored as read, its changes streamed from its own watermark) or not in it at
 * all (read again from scratch). The rows are already in memory at this point (one chunk, at most
 * {@code scan.incremental.snapshot.chunk.size} rows); only their emission waits.
 *
 * <p><b>Transactions.</b> The changes of one source transaction can also arrive in two batches. A
 * checkpoint between them would commit the rollup tables with half a transaction applied: a state
 * the source never had (issue: "the dashboard only ever sees states that existed"). The changes of
 * a transaction are held until Debezium's END marker of it ({@code provide.transaction.metadata},
 * set by {@link CdcSourceFactory}) or the first change of another transaction, and emitted in one
 * call. The stream split's offset advances only as changes are emitted, so a checkpoint taken while
 * a transaction is held restores to the end of the previous one, and the held changes are read
 * again. A transaction of more than {@link #MAX_HELD_CHANGES} changes is emitted in parts (memory
 * stays bounded; a commit can then show part of it).
 */
final class WholeUnitEmitter<T> extends IncrementalSourceRecordEmitter<T> {
    /** Changes of one transaction held at most; a larger transaction is emitted in parts. */
    static final int MAX_HELD_CHANGES = 20_000;
    /** The value schema of Debezium's transaction BEGIN and END markers. */
    static final String TRANSACTION_MARKER_SCHEMA = "io.debezium.connector.common.TransactionMetadataValue";
    /** The value schema of a logical decoding message (the committer's {@link PositionMark}). */
    static final String MESSAGE_SCHEMA = "io.debezium.connector.postgresql.MessageValue";
    /** Debezium's keys of the transaction context in a source offset. */
    static final String TRANSACTION_OFFSET_PREFIX = "transaction_";

    /** The rows of the chunk being read, since its low watermark. */
    private final List<SourceRecord> chunk = new ArrayList<>();
    /** The streamed changes of the transaction being read, since its first change. */
    private final List<SourceRecord> transaction = new ArrayList<>();
    private Long transactionId;

    WholeUnitEmitter(DebeziumDeserializationSchema<T> deserializer, SourceReaderMetrics metrics,
            boolean includeSchemaChanges, OffsetFactory offsetFactory) {
        super(deserializer, metrics, includeSchemaChanges, offsetFactory);
    }

    @Override
    public void emitRecord(SourceRecords records, SourceOutput<T> output, SourceSplitState split) throws Exception {
        if (split.isSnapshotSplitState()) {
            emitChunks(records, output, split);
        } else {
            emitTransactions(records, output, split);
        }
    }

    private void emitChunks(SourceRecords records, SourceOutput<T> output, SourceSplitState split) throws Exception {
        for (SourceRecord record : records.getSourceRecordList()) {
            if (isLowWatermarkEvent(record)) {
                // A chunk starts (again, after a restore or a failed read): nothing of it was emitted.
                chunk.clear();
                processElement(record, output, split);
            } else if (isHighWatermarkEvent(record)) {
                for (SourceRecord row : chunk) {
                    processElement(row, output, split);
                }
                chunk.clear();
                processElement(record, output, split);
            } else {
                chunk.add(record);
            }
        }
    }

    private void emitTransactions(SourceRecords records, SourceOutput<T> output, SourceSplitState split)
            throws Exception {
        for (SourceRecord record : records.getSourceRecordList()) {
            if (isTransactionMarker(record)) {
                // BEGIN or END: what is held is a whole transaction. The marker is no change
                // (Flink CDC would count it as an element it does not know).
                emitTransaction(output, split);
            } else if (isMessage(record)) {
                // A position mark (PositionMark): a place in the WAL without a captured change.
                // The split's offset moves to it, after what is held, so that a restore does not
                // read again all the WAL written since the last captured change. Not a change, not
                // emitted; tested before the changes, since a message has an "op" (m) as they do.
                emitTransaction(output, split);
                if (split.isStreamSplitState()) {
                    split.asStreamSplitState().setStartingOffset(getOffsetPosition(record.sourceOffset()));
                }
            } else if (SourceRecordUtils.isDataChangeRecord(record)) {
                Long id = transactionId(record);
                if (!transaction.isEmpty() && !Objects.equals(id, transactionId)) {
                    emitTransaction(output, split);
                }
                if (id == null) {
                    processElement(record, output, split);
                    continue;
                }
                transactionId = id;
                transaction.add(record);
                if (transaction.size() >= MAX_HELD_CHANGES) {
                    emitTransaction(output, split);
                }
            } else {
                // A heartbeat or schema change moves the split's offset: never past held changes.
                emitTransaction(output, split);
                processElement(record, output, split);
            }
        }
    }

    private void emitTransaction(SourceOutput<T> output, SourceSplitState split) throws Exception {
        for (SourceRecord change : transaction) {
            processElement(change, output, split);
        }
        transaction.clear();
    }

    /**
     * The offset a record moves the split to, without Debezium's transaction context
     * ({@code transaction_id}, {@code transaction_*_order...}): Flink CDC reads every value of a
     * restored PostgreSQL offset as a number and Debezium the transaction id as text, so a restore
     * from an offset with the context fails (a ClassCastException, over and over). The context only
     * numbers the changes within a transaction for the markers; the split moves at whole
     * transactions, so a restored stream starts a new one anyway.
     */
    @Override
    public Offset getOffsetPosition(Map<String, ?> offset) {
        Map<String, Object> withoutTransaction = new HashMap<>(offset);
        withoutTransaction.keySet().removeIf(key -> key.startsWith(TRANSACTION_OFFSET_PREFIX));
        return super.getOffsetPosition(withoutTransaction);
    }

    static boolean isTransactionMarker(SourceRecord record) {
        Schema schema = record.valueSchema();
        return schema != null && TRANSACTION_MARKER_SCHEMA.equals(schema.name());
    }

    static boolean isMessage(SourceRecord record) {
        Schema schema = record.valueSchema();
        return schema != null && MESSAGE_SCHEMA.equals(schema.name());
    }

    /** The source transaction of a change ({@code source.txId}), or null if it has none. */
    private static Long transactionId(SourceRecord change) {
        if (!(change.value() instanceof Struct value)) {
            return null;
        }
        Field sourceField = value.schema().field("source");
        if (sourceField == null || !(value.get(sourceField) instanceof Struct source)) {
            return null;
        }
        Field txId = source.schema().field("txId");
        return txId == null ? null : (Long) source.get(txId);
    }

    /** Rows of the current chunk read but not emitted yet. */
    int heldBack() {
        return chunk.size();
    }

    /** Changes of the current transaction read but not emitted yet. */
    int heldChanges() {
        return transaction.size();
    }
}
