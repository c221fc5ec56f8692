package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The sink of one rollup table: a {@link RollupWriter} per subtask. Stateless: what a writer
 * buffers is written before every checkpoint completes, so nothing needs to be restored.
 */
public final class RollupSink implements Sink<RollupRow> {
    private static final long serialVersionUID = 1L;

    /**
     * @param cacheInvalidation Unstract's Redis, whose cached hours to delete after a commit; null: off
     */
    public record Settings(DatabaseTarget target, Granularity granularity, boolean guardOrganization, int batchSize,
            long batchIntervalMs, int maxRetries, CacheInvalidation cacheInvalidation) implements Serializable {
        public Settings {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(granularity, "granularity");
            if (batchSize < 1 || batchIntervalMs < 1 || maxRetries < 0) {
                throw new IllegalArgumentException("batch size and interval must be >= 1, retries >= 0");
            }
        }
    }

    private final Settings settings;

    public RollupSink(Settings settings) {
        this.settings = settings;
    }

    @Override
    public SinkWriter<RollupRow> createWriter(WriterInitContext context) {
        return new RollupWriter(settings, context.getProcessingTimeService(), context.metricGroup(),
                context.getTaskInfo().getIndexOfThisSubtask());
    }

    /** Flink 1.20 calls {@link #createWriter(WriterInitContext)}; this older entry point does the same. */
    @Override
    @Deprecated
    public SinkWriter<RollupRow> createWriter(InitContext context) {
        return new RollupWriter(settings, context.getProcessingTimeService(), context.metricGroup(),
                context.getTaskInfo().getIndexOfThisSubtask());
    }
}
