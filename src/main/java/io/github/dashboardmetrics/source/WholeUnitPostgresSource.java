package io.github.dashboardmetrics.source;

import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.source.assigner.HybridSplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.SplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.StreamSplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.state.HybridPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.assigner.state.StreamPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.enumerator.PostgresSourceEnumerator;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The Flink CDC PostgreSQL source with {@link WholeUnitEmitter}: a snapshot chunk, and a streamed
 * source transaction, reaches the job whole or not at all between two checkpoints; and with
 * {@link SnapshotBacklogEnumerator}: the initial snapshot is a backlog to Flink, checkpointed at
 * its own interval. Everything else (splits, assigners, reader, their checkpointed state) is the
 * connector's own; the enumerator is built exactly as the connector builds its own.
 */
public final class WholeUnitPostgresSource<T> extends PostgresSourceBuilder.PostgresIncrementalSource<T> {
    private static final long serialVersionUID = 1L;

    WholeUnitPostgresSource(PostgresSourceConfigFactory configFactory, DebeziumDeserializationSchema<T> deserializer) {
        super(configFactory, deserializer, new PostgresOffsetFactory(), new SlotStartDialect(configFactory.create(0)));
    }

    @Override
    protected RecordEmitter<SourceRecords, T, SourceSplitState> createRecordEmitter(SourceConfig sourceConfig,
            SourceReaderMetrics metrics) {
        return new WholeUnitEmitter<>(deserializationSchema, metrics, sourceConfig.isIncludeSchemaChanges(), offsetFactory);
    }

    @Override
    public PostgresSourceEnumerator createEnumerator(SplitEnumeratorContext<SourceSplitBase> context) {
        PostgresSourceConfig config = (PostgresSourceConfig) configFactory.create(0);
        SplitAssigner assigner;
        if (config.getStartupOptions().isStreamOnly()) {
            assigner = new StreamSplitAssigner(config, dataSourceDialect, offsetFactory, context);
        } else {
            try {
                assigner = new HybridSplitAssigner<>(config, context.currentParallelism(),
                        dataSourceDialect.discoverDataCollections(config),
                        dataSourceDialect.isDataCollectionIdCaseSensitive(config), dataSourceDialect, offsetFactory,
                        context);
            } catch (Exception e) {
                throw new FlinkRuntimeException("Failed to discover captured tables for enumerator", e);
            }
        }
        return enumerator(context, config, assigner);
    }

    @Override
    public PostgresSourceEnumerator restoreEnumerator(SplitEnumeratorContext<SourceSplitBase> context,
            PendingSplitsState checkpoint) {
        PostgresSourceConfig config = (PostgresSourceConfig) configFactory.create(0);
        SplitAssigner assigner;
        if (checkpoint instanceof HybridPendingSplitsState hybrid) {
            assigner = new HybridSplitAssigner<>(config, context.currentParallelism(), hybrid, dataSourceDialect,
                    offsetFactory, context);
        } else if (checkpoint instanceof StreamPendingSplitsState stream) {
            assigner = new StreamSplitAssigner(config, stream, dataSourceDialect, offsetFactory, context);
        } else {
            throw new UnsupportedOperationException("Unsupported restored PendingSplitsState: " + checkpoint);
        }
        return enumerator(context, config, assigner);
    }

    private PostgresSourceEnumerator enumerator(SplitEnumeratorContext<SourceSplitBase> context,
            PostgresSourceConfig config, SplitAssigner assigner) {
        return new SnapshotBacklogEnumerator(context, config, assigner, (PostgresDialect) dataSourceDialect,
                getBoundedness());
    }
}
