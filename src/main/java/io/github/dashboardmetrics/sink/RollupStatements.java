package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writing {@link RollupRow}s outside the committer: all at once, set-based with the committer's
 * own statements ({@link #upsertAll}), and the dead letter of a row the database refused
 * ({@link #refused}).
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

    /**
     * The end of an upsert into {@code g}'s table aliased {@code t}: a row whose key exists takes
     * the new type, value, count and {@code modified_at}, but only when they differ. A bucket
     * written again with the values it has is left alone: no write, no new modified_at, no cache
     * deletion (merged checkpoints can end where they began; a bootstrap finds most rows equal).
     */
    public static String onConflictUpdateWhenDifferent(Granularity g) {
        return " ON CONFLICT (organization_id, \"" + g.bucketColumn() + "\", metric_name, project, tag)"
                + " DO UPDATE SET metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value,"
                + " metric_count = EXCLUDED.metric_count, modified_at = EXCLUDED.modified_at"
                + " WHERE (t.metric_type, t.metric_value, t.metric_count)"
                + " IS DISTINCT FROM (EXCLUDED.metric_type, EXCLUDED.metric_value, EXCLUDED.metric_count)";
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
}
