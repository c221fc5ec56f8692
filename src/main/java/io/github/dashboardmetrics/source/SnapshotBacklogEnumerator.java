package io.github.dashboardmetrics.source;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.cdc.connectors.base.source.assigner.SplitAssigner;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.enumerator.PostgresSourceEnumerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink CDC's PostgreSQL enumerator, reporting the initial snapshot as a backlog to Flink
 * ({@code SplitEnumeratorContext.setIsProcessingBacklog}): from the start until every snapshot
 * chunk has been read, checkpoints come every {@code execution.checkpointing.interval-during-backlog}
 * instead of every {@code execution.checkpointing.interval} (Flink's own mechanism, FLIP-309; the
 * connector reports it for MySQL only).
 *
 * <p>Why: every checkpoint commits the rollup tables, and during the snapshot each commit rewrites
 * nearly every bucket (the chunks are in primary key order, not in time). At the streaming interval
 * the snapshot of {@code bench --profile quick} wrote 3.2 rollup rows per final row, the WAL of
 * those commits is decoded by the job's own stream after the snapshot, and a commit in the middle
 * of the snapshot shows the dashboard a partly read database, a state that never existed. Once the
 * last chunk is read the streaming interval applies again, before the stream starts: freshness is
 * unchanged. The cost is what a failure in the middle of the snapshot reads again: at most one
 * backlog interval of chunks.
 */
final class SnapshotBacklogEnumerator extends PostgresSourceEnumerator {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBacklogEnumerator.class);

    /** What was last reported to Flink; null: nothing yet. */
    private Boolean reported;

    SnapshotBacklogEnumerator(SplitEnumeratorContext<SourceSplitBase> context, PostgresSourceConfig sourceConfig,
            SplitAssigner splitAssigner, PostgresDialect dialect, Boundedness boundedness) {
        super(context, sourceConfig, splitAssigner, dialect, boundedness);
    }

    @Override
    public void start() {
        super.start();
        report();
    }

    /** Readers report the chunks they finished here. */
    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent sourceEvent) {
        super.handleSourceEvent(subtaskId, sourceEvent);
        report();
    }

    private void report() {
        // True while a snapshot chunk is unread or unconfirmed; false for a stream-only assigner.
        boolean backlog = splitAssigner.waitingForFinishedSplits();
        if (reported == null || reported != backlog) {
            // Reporting false first is harmless: it is Flink's default.
            context.setIsProcessingBacklog(backlog);
            if (reported != null || backlog) {
                LOG.info(backlog ? "Initial snapshot: checkpoints at execution.checkpointing.interval-during-backlog"
                        : "Initial snapshot read: checkpoints at execution.checkpointing.interval again");
            }
            reported = backlog;
        }
    }
}
