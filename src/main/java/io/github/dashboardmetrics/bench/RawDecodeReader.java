package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The physical limit: how fast PostgreSQL itself decodes the same changes with pgoutput and ships
 * them over a replication connection, measured with pgjdbc's replication API (what
 * {@code pg_recvlogical} does, in this JVM, so it needs nothing installed). A slot is created
 * before the changes are written ({@link #createSlot}); afterwards {@link #read} streams it from
 * the start and counts Insert, Update and Delete messages until it has seen the expected number
 * of changes. Nothing else is decoded: no JSON, no Debezium, just the protocol's message type byte.
 */
final class RawDecodeReader {
    static final String SLOT = "dashboard_metrics_bench_raw";

    /** Changes counted and the seconds it took, from opening the stream to the last one. */
    record Result(long changes, double seconds) {
        double perSecond() {
            return seconds > 0 ? changes / seconds : 0;
        }
    }

    private RawDecodeReader() {}

    static void createSlot(DatabaseTarget target) throws SQLException {
        try (Connection c = target.connect();
                PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, SLOT);
            ps.execute();
        }
    }

    static void dropSlot(DatabaseTarget target) throws SQLException {
        try (Connection c = target.connect();
                PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
            ps.setString(1, SLOT);
            ps.execute();
        }
    }

    /** Streams the slot until {@code expectedChanges} changes were counted, or nothing came for {@code idleMs}. */
    static Result read(EmbeddedDatabase db, String publication, long expectedChanges, long idleMs) throws SQLException {
        try (Connection c = db.connectForReplication()) {
            PGConnection pg = c.unwrap(PGConnection.class);
            long started = System.nanoTime();
            long changes = 0;
            long lastMessage = System.nanoTime();
            try (PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName(SLOT)
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", publication)
                    .withStatusInterval(1, TimeUnit.SECONDS)
                    .start()) {
                long lastChange = started;
                while (changes < expectedChanges) {
                    ByteBuffer message = stream.readPending();
                    if (message == null) {
                        if ((System.nanoTime() - lastMessage) / 1_000_000 > idleMs) {
                            break;
                        }
                        Thread.onSpinWait();
                        continue;
                    }
                    lastMessage = System.nanoTime();
                    byte type = message.get(message.position()); // the payload starts at position()
                    if (type == 'I' || type == 'U' || type == 'D') {
                        changes++;
                        lastChange = lastMessage;
                    }
                    LogSequenceNumber lsn = stream.getLastReceiveLSN();
                    stream.setAppliedLSN(lsn);
                    stream.setFlushedLSN(lsn);
                }
                return new Result(changes, (lastChange - started) / 1e9);
            }
        }
    }
}
