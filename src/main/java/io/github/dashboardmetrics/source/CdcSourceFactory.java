package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.util.List;
import java.util.Properties;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;

/**
 * The Flink CDC PostgreSQL source (incremental snapshot, then the WAL through pgoutput) over one
 * replication slot and one publication. Emits Debezium JSON envelopes without schemas, the same
 * shape a Kafka Connect topic carries, so both sources share one decoder (see {@link CdcChangeMessages}).
 */
public final class CdcSourceFactory {
    private CdcSourceFactory() {}

    /** How the source starts when there is no checkpoint to resume from. */
    public enum Startup {
        /** Snapshot the tables, then stream. */
        INITIAL,
        /** Stream from the slot's current position, no snapshot. */
        LATEST,
        /** Snapshot only, then finish (bounded). */
        SNAPSHOT_ONLY,
        /**
         * Stream from the slot's confirmed position, no snapshot: after a bootstrap, whose slot's
         * consistent point is where its savepoint ends. The slot must exist
         * ({@link SourcePreflight#requireSlotToResume}).
         */
        COMMITTED
    }

    public record Settings(DatabaseTarget source, String slot, String publication, Startup startup,
            List<String> tables) implements java.io.Serializable {}

    public static PostgresSourceBuilder.PostgresIncrementalSource<ChangeMessage> create(Settings s) {
        return create(s, new CdcChangeMessages());
    }

    /**
     * The same source (same tables, Debezium properties and startup) with another deserializer:
     * the benchmark measures the connector's own ceiling through it.
     */
    public static <T> PostgresSourceBuilder.PostgresIncrementalSource<T> create(Settings s,
            DebeziumDeserializationSchema<T> deserializer) {
        DatabaseTarget.requireIdentifier(s.slot(), "slot name");
        DatabaseTarget.requireIdentifier(s.publication(), "publication name");
        Properties debezium = new Properties();
        // The job created or checked the publication itself (SourcePreflight); never let Debezium
        // widen it to all tables.
        debezium.setProperty("publication.name", s.publication());
        debezium.setProperty("publication.autocreate.mode", "disabled");
        // Deletes are read from the delete event; Kafka-style tombstones would be noise here.
        debezium.setProperty("tombstones.on.delete", "false");
        // TRUNCATE arrives as an event of its own (op t) instead of being skipped silently.
        debezium.setProperty("truncate.handling.mode", "include");
        ChangeStreamTls.configure(s.source().jdbcUrl(), debezium);
        // Numbers as numbers (double precision), not base64 decimals.
        debezium.setProperty("decimal.handling.mode", "double");
        // Debezium sleeps this long whenever the slot has nothing to read (default 500 ms): on a
        // quiet database that sleep alone would add up to half a second to the freshness of a
        // change. 50 ms costs 20 empty reads a second.
        debezium.setProperty("poll.interval.ms", "50");
        // BEGIN and END markers of every source transaction: WholeUnitEmitter holds a transaction's
        // changes until its END, so that no checkpoint (and no commit) shows half of it.
        debezium.setProperty("provide.transaction.metadata", "true");
        // The committer's marks of its position in the WAL become records (PositionMark).
        PositionMark.configure(debezium);
        StartupOptions startup;
        switch (s.startup()) {
            case LATEST:
                startup = StartupOptions.latest();
                break;
            case SNAPSHOT_ONLY:
                startup = StartupOptions.snapshot();
                break;
            case COMMITTED:
                // Starts at the slot's restart point (SlotStartDialect), not Flink CDC's confirmed
                // position, which would drop changes of transactions that straddle it.
                startup = StartupOptions.committed();
                break;
            default:
                startup = StartupOptions.initial();
        }
        String schema = s.source().schema();
        PostgresSourceBuilder<T> builder = PostgresSourceBuilder.PostgresIncrementalSource.<T>builder()
                .hostname(s.source().host())
                .port(s.source().port())
                .database(s.source().database())
                .schemaList(schema)
                .tableList(s.tables().stream().map(t -> schema + "." + t).toArray(String[]::new))
                .username(s.source().user())
                .password(s.source().password())
                .slotName(s.slot())
                .decodingPluginName("pgoutput")
                .startupOptions(startup)
                // No per-chunk backfill: it opens a replication stream for every chunk and waits up
                // to 10 s whenever one cannot start (the job's own writes keep the WAL moving), and
                // it is not needed here. Without it the stream starts at the earliest chunk's low
                // watermark and redelivers changes a chunk already saw; the keyed row state drops
                // what it already applied and ends on each row's last change (RowPositions). It
                // also hands a chunk over in batches, which WholeUnitPostgresSource makes whole.
                .skipSnapshotBackfill(true)
                .debeziumProperties(debezium)
                .deserializer(deserializer);
        return new WholeUnitPostgresSource<>(builder.getConfigFactory(), deserializer);
    }
}
