package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Attaches one batched JDBC sink per rollup table. Each sink runs with the rollup operator's
 * parallelism and a forward connection, so every rollup key has exactly one writer and its writes
 * keep their order. The connector flushes on every checkpoint and retries failed batches; writes
 * are absolute, so a batch replayed after a failure is harmless.
 */
public final class RollupSinks {
    private RollupSinks() {}

    public record Settings(DatabaseTarget target, boolean guardOrganization, int batchSize, long batchIntervalMs,
            int maxRetries) implements java.io.Serializable {}

    public static void attach(DataStream<RollupRow> rows, Settings settings) {
        for (Granularity g : Granularity.values()) {
            String sql = RollupStatements.upsertOrDelete(settings.target().schema(), g, settings.guardOrganization());
            boolean guard = settings.guardOrganization();
            JdbcSink<RollupRow> sink = JdbcSink.<RollupRow>builder()
                    .withQueryStatement(sql, (ps, row) -> RollupStatements.bind(ps, row, guard))
                    .withExecutionOptions(JdbcExecutionOptions.builder()
                            .withBatchSize(settings.batchSize())
                            .withBatchIntervalMs(settings.batchIntervalMs())
                            .withMaxRetries(settings.maxRetries())
                            .build())
                    .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                            .withUrl(settings.target().jdbcUrl())
                            .withDriverName("org.postgresql.Driver")
                            .withUsername(settings.target().user())
                            .withPassword(settings.target().password())
                            .build());
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
