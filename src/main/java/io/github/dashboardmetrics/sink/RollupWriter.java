package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.CacheInvalidator;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Writes the rollup rows of one table: buffers them ({@link RollupBatch}: last row per key),
 * and writes the buffer in one transaction ({@link BatchTransactionWriter}) when it holds
 * {@code batchSize} keys, {@code batchIntervalMs} after its first row, and on every checkpoint
 * ({@link #flush}, called before the checkpoint barrier is passed on), so that a completed
 * checkpoint never covers rows that are not yet in the table.
 *
 * <p>Only after the commit, Unstract's cached dashboard keys of the committed hours are deleted
 * (when invalidation is on, for the hourly table): deleting them before the commit would let a
 * dashboard request cache the old values again in between.
 *
 * <p>A row the database refuses for good (a constraint or trigger, a value out of range) goes to
 * the dead-letter table with the error, in the batch's transaction, and is counted in
 * {@code writes_dead_lettered}; the rest of the batch is written and the job goes on.
 *
 * <p>Order: one writer per rollup key (the rollup operator's subtask, chained), batches are
 * written one after the other, and within a batch a key appears once; so the writes of a key
 * reach the table in the order the rollup emitted them.
 */
final class RollupWriter implements SinkWriter<RollupRow> {
    private final RollupSink.Settings settings;
    private final ProcessingTimeService time;
    private final RollupBatch batch = new RollupBatch();
    private final WriterMetrics metrics;
    private final BatchTransactionWriter<RollupRow> table;
    private final CacheInvalidator invalidator;
    private final DashboardCacheKeys cacheKeys;
    private boolean flushScheduled;

    RollupWriter(RollupSink.Settings settings, ProcessingTimeService time, MetricGroup metricGroup, int subtask) {
        this.settings = settings;
        this.time = time;
        String tableName = settings.granularity().table();
        this.metrics = new WriterMetrics(metricGroup, tableName);
        boolean guard = settings.guardOrganization();
        this.table = new BatchTransactionWriter<>(settings.target(), tableName,
                BatchTransactionWriter.RowStatements.single(
                        RollupStatements.upsertOrDelete(settings.target().schema(), settings.granularity(), guard),
                        (statement, row) -> RollupStatements.bind(statement, row, guard)),
                RollupStatements::refused, settings.maxRetries(), "dashboard-metrics " + tableName + "/" + subtask,
                metrics.writeRetries(), metrics.writesDeadLettered());
        CacheInvalidation cache = settings.cacheInvalidation();
        if (cache != null) {
            MetricGroup group = JobMetrics.ofRollupTable(metricGroup, tableName);
            this.invalidator = new CacheInvalidator(cache, group.counter(JobMetrics.CACHE_KEYS_INVALIDATED),
                    group.counter(JobMetrics.CACHE_KEYS_FAILED));
            this.cacheKeys = cache.keys();
        } else {
            this.invalidator = null;
            this.cacheKeys = null;
        }
    }

    @Override
    public void write(RollupRow row, Context context) throws IOException, InterruptedException {
        if (row.granularity != settings.granularity()) {
            throw new IllegalArgumentException("writer of " + settings.granularity().table() + " got " + row);
        }
        batch.add(row);
        if (batch.size() >= settings.batchSize()) {
            writeBatch();
        } else if (!flushScheduled) {
            flushScheduled = true;
            time.registerTimer(time.getCurrentProcessingTime() + settings.batchIntervalMs(), now -> {
                flushScheduled = false;
                writeBatch();
            });
        }
    }

    /** Called on every checkpoint (before its barrier moves on) and at the end of a bounded input. */
    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        writeBatch();
    }

    private void writeBatch() throws IOException, InterruptedException {
        if (batch.isEmpty()) {
            return;
        }
        List<RollupRow> rows = batch.drain();
        List<BatchTransactionWriter.Refused<RollupRow>> refused = table.write(rows);
        if (!refused.isEmpty()) {
            java.util.Set<RollupRow> notWritten = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            refused.forEach(r -> notWritten.add(r.row()));
            rows = rows.stream().filter(r -> !notWritten.contains(r)).toList();
        }
        metrics.committed(rows, System.currentTimeMillis());
        if (invalidator != null) {
            invalidator.invalidate(cacheKeys.staleAfter(rows));
        }
    }

    /**
     * Closes without writing what is buffered: on cancellation or failure, those rows came after
     * the last checkpoint and are emitted again when the job restores it.
     */
    @Override
    public void close() {
        table.close();
        if (invalidator != null) {
            invalidator.close();
        }
    }
}
