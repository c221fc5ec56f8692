package io.github.dashboardmetrics.source;

import static org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent.isHighWatermarkEvent;
import static org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent.isLowWatermarkEvent;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Emits a snapshot chunk's rows all at once, in the same call that marks the chunk read (sets its
 * high watermark), so that no checkpoint can hold part of a chunk.
 *
 * <p>Without the snapshot backfill (see {@link CdcSourceFactory}) Flink CDC hands a chunk over in
 * batches, and a checkpoint can fall between two of them: the checkpoint then holds the first
 * rows in the job's state but the chunk as unread, and a restore reads the chunk again, later. A
 * row that was deleted in between is not in the new read, and its delete is not streamed either
 * (the stream skips what precedes the chunk's new watermark): it would stay counted for good.
 * Held back until the high watermark, a chunk is either wholly in a checkpoint and marked read
 * (restored as read, its changes streamed from its own watermark) or not in it at all (read again
 * from scratch). The rows are already in memory at this point (one chunk, at most
 * {@code scan.incremental.snapshot.chunk.size} rows); only their emission waits.
 */
final class WholeChunkEmitter<T> extends IncrementalSourceRecordEmitter<T> {
    /** The rows of the chunk being read, since its low watermark. */
    private final List<SourceRecord> chunk = new ArrayList<>();

    WholeChunkEmitter(DebeziumDeserializationSchema<T> deserializer, SourceReaderMetrics metrics,
            boolean includeSchemaChanges, OffsetFactory offsetFactory) {
        super(deserializer, metrics, includeSchemaChanges, offsetFactory);
    }

    @Override
    public void emitRecord(SourceRecords records, SourceOutput<T> output, SourceSplitState split) throws Exception {
        if (!split.isSnapshotSplitState()) {
            super.emitRecord(records, output, split);
            return;
        }
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

    /** Rows of the current chunk read but not emitted yet. */
    int heldBack() {
        return chunk.size();
    }
}
