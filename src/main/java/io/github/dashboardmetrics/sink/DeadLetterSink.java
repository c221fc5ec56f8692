package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.source.DeadLetter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Writes refused change events to {@link DeadLetterTable}, in batches: when {@value #BATCH_SIZE}
 * are buffered, {@value #BATCH_INTERVAL_MS} ms after the first, and on every checkpoint, so that a
 * completed checkpoint never covers a dead letter that is not in the table. Transient database
 * errors are retried like the rollup writers' ({@link BatchTransactionWriter}).
 */
public final class DeadLetterSink implements Sink<DeadLetter> {
    private static final long serialVersionUID = 1L;
    private static final int MAX_RETRIES = 5;
    private static final int BATCH_SIZE = 500;
    private static final long BATCH_INTERVAL_MS = 200;

    private final DatabaseTarget target;

    public DeadLetterSink(DatabaseTarget target) {
        this.target = target;
    }

    @Override
    public SinkWriter<DeadLetter> createWriter(WriterInitContext context) {
        MetricGroup metrics = JobMetrics.of(context.metricGroup());
        return new Writer(target, context.getProcessingTimeService(), metrics.counter(JobMetrics.DEAD_LETTERS_WRITTEN),
                metrics.counter(JobMetrics.WRITE_RETRIES), context.getTaskInfo().getIndexOfThisSubtask());
    }

    /** Flink 1.20 calls {@link #createWriter(WriterInitContext)}; this older entry point is never used. */
    @Override
    @Deprecated
    public SinkWriter<DeadLetter> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 creates writers with a WriterInitContext");
    }

    private static final class Writer implements SinkWriter<DeadLetter> {
        private final BatchTransactionWriter<DeadLetter> table;
        private final Counter written;
        private final ProcessingTimeService time;
        private final List<DeadLetter> buffered = new ArrayList<>();
        private boolean flushScheduled;

        Writer(DatabaseTarget target, ProcessingTimeService time, Counter written, Counter retries, int subtask) {
            this.time = time;
            this.table = new BatchTransactionWriter<>(target, DeadLetterTable.TABLE,
                    DeadLetterTable.insertStatement(target.schema()), DeadLetterTable::bind, MAX_RETRIES,
                    "dashboard-metrics dead letters/" + subtask, retries);
            this.written = written;
        }

        @Override
        public void write(DeadLetter letter, Context context) throws IOException, InterruptedException {
            buffered.add(letter);
            if (buffered.size() >= BATCH_SIZE) {
                flush(false);
            } else if (!flushScheduled) {
                flushScheduled = true;
                time.registerTimer(time.getCurrentProcessingTime() + BATCH_INTERVAL_MS, now -> {
                    flushScheduled = false;
                    flush(false);
                });
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            if (buffered.isEmpty()) {
                return;
            }
            table.write(buffered);
            written.inc(buffered.size());
            buffered.clear();
        }

        /** Drops what is buffered: those events came after the last checkpoint and are read again on restore. */
        @Override
        public void close() {
            table.close();
        }
    }
}
