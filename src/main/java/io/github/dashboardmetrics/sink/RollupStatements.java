package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one statement that writes a {@link RollupRow} to its table: an upsert of absolute values
 * when the bucket has rows, a delete when it has none. Both are done by one statement (a
 * data-modifying CTE, only one half of which matches) so that one batched statement per table
 * keeps the writes of each key in order.
 *
 * <p>On insert the writer sets {@code id} (a new UUID) and {@code created_at}; on update it keeps
 * both and sets {@code modified_at}, as Unstract's own upsert does. When the rollup tables sit
 * beside Unstract's organization table, an upsert for an organisation that no longer exists is
 * skipped (its rows are being deleted by Unstract's cascade; writing would violate the foreign key).
 */
public final class RollupStatements {
    private RollupStatements() {}

    /**
     * Upserts {@code rows} (each with a positive count) in the current transaction, set-based as the
     * committer writes: one statement per tier, whatever their number. For writers of many rows at
     * once (backfill, bootstrap); organisations are not checked.
     */
    public static void upsertAll(Connection connection, String schema, List<RollupRow> rows) throws SQLException {
        List<CommitStatement.Item> items = new ArrayList<>(rows.size());
        for (RollupRow row : rows) {
            if (row.isDelete() || row.count <= 0) {
                throw new IllegalArgumentException("not a row to upsert: " + row);
            }
            items.add(CommitStatement.Item.of(row));
        }
        new CommitStatement(schema, false).execute(connection, items);
    }

    /** The SQL for one tier. {@code guardOrganization}: skip upserts for unknown organisations. */
    public static String upsertOrDelete(String schema, Granularity g, boolean guardOrganization) {
        DatabaseTarget.requireIdentifier(schema, "schema");
        String table = "\"" + schema + "\".\"" + g.table() + "\"";
        String bucket = "\"" + g.bucketColumn() + "\"";
        String bucketType = g == Granularity.HOURLY ? "timestamptz" : "date";
        String guard = guardOrganization
                ? " AND EXISTS (SELECT 1 FROM \"" + schema + "\".\"organization\" o WHERE o.id = ?::bigint)"
                : "";
        return "WITH removed AS (DELETE FROM " + table
                + " WHERE ?::bigint <= 0 AND organization_id = ?::bigint AND " + bucket + " = ?::" + bucketType
                + " AND metric_name = ? AND project = 'default' AND tag = '')"
                + " INSERT INTO " + table + " (id, created_at, modified_at, " + bucket
                + ", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                + " SELECT gen_random_uuid(), now(), now(), ?::" + bucketType + ", ?, ?, ?::double precision, ?::integer,"
                + " 'default', '', ?::bigint WHERE ?::bigint > 0" + guard
                + " ON CONFLICT (organization_id, " + bucket + ", metric_name, project, tag) DO UPDATE SET"
                + " metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value,"
                + " metric_count = EXCLUDED.metric_count, modified_at = EXCLUDED.modified_at";
    }

    /**
     * The dead letter of a row the database refused: its table as source table, its key as
     * position (so an operator finds the bucket), the row as JSON payload and the error as reason.
     */
    public static io.github.dashboardmetrics.source.DeadLetter refused(RollupRow row, String error, long detectedAtMs) {
        String bucket = row.granularity.bucketParameter(row.bucketStart).toString();
        String key = "organization_id=" + row.orgId + " " + row.granularity.bucketColumn() + "=" + bucket
                + " metric_name=" + row.metricName;
        String payload = "{\"organization_id\":" + row.orgId + ",\"" + row.granularity.bucketColumn() + "\":\""
                + bucket + "\",\"metric_name\":" + jsonString(row.metricName) + ",\"metric_type\":"
                + jsonString(row.metricType) + ",\"metric_value\":" + row.value + ",\"metric_count\":" + row.count
                + ",\"delete\":" + row.isDelete() + "}";
        return new io.github.dashboardmetrics.source.DeadLetter(payload, "the database refused the write: " + error,
                io.github.dashboardmetrics.source.DeadLetter.NOT_WRITTEN, row.granularity.table(), key, detectedAtMs);
    }

    private static String jsonString(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    /** Binds a row to the statement of {@link #upsertOrDelete}. */
    public static void bind(PreparedStatement ps, RollupRow row, boolean guardOrganization) throws SQLException {
        Object bucket = row.granularity.bucketParameter(row.bucketStart);
        int i = 1;
        // DELETE half
        ps.setLong(i++, row.count);
        ps.setLong(i++, row.orgId);
        ps.setObject(i++, bucket);
        ps.setString(i++, row.metricName);
        // INSERT half
        ps.setObject(i++, bucket);
        ps.setString(i++, row.metricName);
        ps.setString(i++, row.metricType);
        ps.setDouble(i++, row.value);
        ps.setLong(i++, Math.min(row.count, Integer.MAX_VALUE));
        ps.setLong(i++, row.orgId);
        ps.setLong(i++, row.count);
        if (guardOrganization) {
            ps.setLong(i, row.orgId);
        }
    }

}
