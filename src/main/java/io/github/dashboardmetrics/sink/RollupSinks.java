package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Attaches one {@link RollupSink} per rollup table. Each runs with the rollup operator's
 * parallelism and a forward connection, so every rollup key has exactly one writer and its writes
 * keep their order. Writers flush on every checkpoint and retry transient failures; writes are
 * absolute, so a batch replayed after a failure is harmless. With cache invalidation on, the
 * hourly writer deletes Unstract's cached dashboard hours after each commit.
 */
public final class RollupSinks {
    private RollupSinks() {}

    /** @param cacheInvalidation Unstract's Redis, or null: no invalidation */
    public record Settings(DatabaseTarget target, boolean guardOrganization, int batchSize, long batchIntervalMs,
            int maxRetries, CacheInvalidation cacheInvalidation) implements java.io.Serializable {
        public Settings(DatabaseTarget target, boolean guardOrganization, int batchSize, long batchIntervalMs,
                int maxRetries) {
            this(target, guardOrganization, batchSize, batchIntervalMs, maxRetries, null);
        }
    }

    /**
     * How the writers batch and retry ({@code run}'s {@code --write-*} options): at most
     * {@code batchSize} rows a transaction, a row waits at most {@code intervalMs} for its batch
     * to fill, and a batch is retried {@code maxRetries} times after a transient error before the
     * job fails over.
     */
    public record Writes(int batchSize, long intervalMs, int maxRetries) implements java.io.Serializable {
        public static final Writes DEFAULT = new Writes(1_000, 50, 5);

        public Writes {
            if (batchSize < 1) {
                throw new IllegalArgumentException("--write-batch-size must be >= 1, got: " + batchSize);
            }
            if (intervalMs < 1) {
                throw new IllegalArgumentException("--write-interval-ms must be >= 1, got: " + intervalMs);
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("--write-retries must be >= 0, got: " + maxRetries);
            }
        }
    }

    public static void attach(DataStream<RollupRow> rows, Settings settings) {
        for (Granularity g : Granularity.values()) {
            RollupSink sink = new RollupSink(new RollupSink.Settings(settings.target(), g, settings.guardOrganization(),
                    settings.batchSize(), settings.batchIntervalMs(), settings.maxRetries(),
                    g == Granularity.HOURLY ? settings.cacheInvalidation() : null));
            String tier = g.name().toLowerCase(java.util.Locale.ROOT);
            rows.filter(r -> r.granularity == g)
                    .name("only " + g.table())
                    .uid("filter-" + tier)
                    .sinkTo(sink)
                    .name("write " + g.table())
                    .uid("write-" + tier);
        }
    }
}
