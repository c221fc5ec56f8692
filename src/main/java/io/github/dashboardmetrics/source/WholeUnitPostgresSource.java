package io.github.dashboardmetrics.source;

import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * The Flink CDC PostgreSQL source with {@link WholeUnitEmitter}: a snapshot chunk, and a streamed
 * source transaction, reaches the job whole or not at all between two checkpoints. Everything else (splits, enumerator, reader,
 * their checkpointed state) is the connector's own.
 */
public final class WholeUnitPostgresSource<T> extends PostgresSourceBuilder.PostgresIncrementalSource<T> {
    private static final long serialVersionUID = 1L;

    WholeUnitPostgresSource(PostgresSourceConfigFactory configFactory, DebeziumDeserializationSchema<T> deserializer) {
        super(configFactory, deserializer, new PostgresOffsetFactory(), new PostgresDialect(configFactory.create(0)));
    }

    @Override
    protected RecordEmitter<SourceRecords, T, SourceSplitState> createRecordEmitter(SourceConfig sourceConfig,
            SourceReaderMetrics metrics) {
        return new WholeUnitEmitter<>(deserializationSchema, metrics, sourceConfig.isIncludeSchemaChanges(), offsetFactory);
    }
}
