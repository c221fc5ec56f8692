package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.HexFormat;
import java.util.List;

/**
 * The dead-letter table beside the rollup tables: one row per change event the job refused.
 * A replayed event (after a restore, or redelivered by Debezium) is stored once: its key is a
 * hash of its position and payload.
 */
public final class DeadLetterTable {
    public static final String TABLE = "dashboard_metrics_dead_letter";

    private DeadLetterTable() {}

    /** The DDL, for the job to run or for an administrator to run for it (README, deploy/postgres). */
    public static String createStatement(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + qualified(schema) + " (\n"
                + "    event_key       text PRIMARY KEY,       -- sha-256 of position and payload: a replay is stored once\n"
                + "    detected_at     timestamptz NOT NULL,\n"
                + "    source_table    text,\n"
                + "    source_position text,                   -- lsn/txId of the event; Kafka topic/partition@offset\n"
                + "    reason          text NOT NULL,\n"
                + "    action          text NOT NULL,          -- 'dropped' or 'row retracted'\n"
                + "    payload         text NOT NULL           -- the message as received (NUL characters escaped)\n"
                + ")";
    }

    /** Writes {@code letters} in one transaction; letters already there (same event) are skipped. */
    public static void insertAll(DatabaseTarget rollup, List<DeadLetter> letters) throws SQLException {
        try (Connection c = rollup.connect()) {
            c.setAutoCommit(false);
            ensure(c, rollup.schema());
            try (PreparedStatement ps = c.prepareStatement(insertStatement(rollup.schema()))) {
                for (DeadLetter letter : letters) {
                    bind(ps, letter);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    static String insertStatement(String schema) {
        return "INSERT INTO " + qualified(schema) + " (" + String.join(", ", COLUMNS) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(COLUMNS.size(), "?")) + ") ON CONFLICT (event_key) DO NOTHING";
    }

    static void bind(PreparedStatement ps, DeadLetter letter) throws SQLException {
        String payload = storable(letter.payload);
        ps.setString(1, eventKey(letter.sourcePosition, payload));
        ps.setTimestamp(2, new Timestamp(letter.detectedAtMs));
        ps.setString(3, storable(letter.sourceTable));
        ps.setString(4, storable(letter.sourcePosition));
        ps.setString(5, storable(letter.reason));
        ps.setString(6, letter.action);
        ps.setString(7, payload);
    }

    /** Its columns, which the job writes. */
    public static final List<String> COLUMNS = List.of(
            "event_key", "detected_at", "source_table", "source_position", "reason", "action", "payload");

    /** Creates the table when it is missing; throws when this role may not. */
    public static void ensure(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(createStatement(schema));
        }
    }

    /** PostgreSQL text cannot hold NUL; everything else is kept as it came. */
    private static String storable(String text) {
        return text == null ? null : text.replace("\u0000", "\\u0000");
    }

    static String eventKey(String position, String payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(position).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(payload.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String qualified(String schema) {
        return "\"" + schema + "\".\"" + TABLE + "\"";
    }
}
