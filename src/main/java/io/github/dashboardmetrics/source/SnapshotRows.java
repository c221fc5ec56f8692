package io.github.dashboardmetrics.source;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Rows of a captured table read in bulk with JDBC (inside a transaction the caller opened, e.g. on
 * an exported snapshot), as the change messages a snapshot read of the change stream would give:
 * a valid row becomes a decoded {@code 'r'} change at position 0, as Flink CDC stamps its snapshot
 * reads; a row that {@link RowProjection} refuses becomes the Debezium JSON event of that read, so
 * that {@link DecodeChanges} turns it into the same dead letter (and retraction) as a change from
 * the stream. Only the columns the metrics read are selected.
 */
public final class SnapshotRows {
    /** NaN and infinities bare, as Debezium writes them, so that the cost rule refuses them with its reason. */
    private static final ObjectMapper JSON = JsonMapper.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();
    /** Rows fetched per round trip: a server-side cursor, so memory stays flat on any table size. */
    static final int FETCH_SIZE = 10_000;

    private SnapshotRows() {}

    /**
     * Reads the rows of {@code range} (of its table) and hands each one to {@code out}.
     *
     * @param snapshotTsMs the source time the changes carry (the snapshot's)
     * @return the rows read
     */
    public static long read(Connection c, String schema, KeyRange range, long snapshotTsMs, Consumer<ChangeMessage> out)
            throws SQLException {
        RowKind kind = range.kind();
        DatabaseTarget.requireIdentifier(schema, "schema");
        List<String> columns = RowProjection.columns(kind);
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append('"').append(columns.get(i)).append('"');
        }
        sql.append(" FROM \"").append(schema).append("\".\"").append(kind.tableName()).append('"').append(range.where());
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setFetchSize(FETCH_SIZE);
            range.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                JdbcRowFields fields = new JdbcRowFields(rs, columns);
                while (rs.next()) {
                    out.accept(message(kind, fields, rs, columns, snapshotTsMs));
                    rows++;
                }
            }
        }
        return rows;
    }

    private static ChangeMessage message(RowKind kind, JdbcRowFields fields, ResultSet rs, List<String> columns,
            long snapshotTsMs) throws SQLException {
        try {
            String key = fields.requiredText("id");
            return ChangeMessage.decoded(
                    new RowChange('r', kind, key, RowProjection.project(kind, fields), 0L, snapshotTsMs));
        } catch (BadChangeEvent refused) {
            return new ChangeMessage(debeziumRead(kind, rs, columns, snapshotTsMs), null);
        }
    }

    /** The Debezium event of a snapshot read of the current row (its selected columns). */
    static String debeziumRead(RowKind kind, ResultSet rs, List<String> columns, long snapshotTsMs) throws SQLException {
        ObjectNode event = JSON.createObjectNode();
        event.put("op", "r");
        ObjectNode source = event.putObject("source");
        source.put("table", kind.tableName());
        source.put("lsn", 0L);
        source.put("ts_ms", snapshotTsMs);
        ObjectNode after = event.putObject("after");
        for (int i = 0; i < columns.size(); i++) {
            Object v = rs.getObject(i + 1);
            String column = columns.get(i);
            if (v == null) {
                after.putNull(column);
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                after.put(column, ((Number) v).longValue());
            } else if (v instanceof Double || v instanceof Float) {
                after.put(column, ((Number) v).doubleValue());
            } else if (v instanceof String || v instanceof UUID) {
                after.put(column, v.toString());
            } else {
                // timestamptz: Debezium's ISO-8601 text with an offset
                OffsetDateTime t = rs.getObject(i + 1, OffsetDateTime.class);
                after.put(column, t == null ? v.toString() : t.toString());
            }
        }
        return event.toString();
    }
}
