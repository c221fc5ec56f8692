package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The one statement of a commit: every item of it (a rollup row of any tier, or the progress
 * row) is bound to the same prepared statement, so that {@link BatchTransactionWriter} writes a
 * whole commit as one batch in one transaction. The statement's data-modifying CTEs each act on
 * one table and only for the item's kind (the others match nothing):
 *
 * <ul>
 *   <li>a rollup row with {@code count > 0}: upsert in place (a new row gets a new {@code id} and
 *       {@code created_at}; an existing one keeps both, only values and {@code modified_at} change);
 *   <li>a rollup row with {@code count <= 0}: delete;
 *   <li>the progress item: upsert of the one row of {@link ProgressTable}.
 * </ul>
 *
 * When the rollup tables sit beside Unstract's {@code organization}, an upsert for an organisation
 * that no longer exists is skipped (Unstract's cascade is deleting its rows).
 */
final class CommitStatement {
    private CommitStatement() {}

    /** Kind of the progress item; rollup rows use their tier's ordinal. */
    private static final int PROGRESS = 3;

    /** One element of a commit: a rollup row, or (last) the progress. */
    record Item(RollupRow row, SourceProgress progress, long checkpointId) {
        static Item of(RollupRow row) {
            return new Item(row, null, 0);
        }

        static Item progress(SourceProgress progress, long checkpointId) {
            return new Item(null, progress, checkpointId);
        }
    }

    static String sql(String schema, boolean guardOrganization) {
        DatabaseTarget.requireIdentifier(schema, "schema");
        StringBuilder sql = new StringBuilder("WITH r(kind, org, ts, d, metric_name, metric_type, value, cnt,"
                + " lsn, changes, source_ts, checkpoint_id) AS (VALUES (?::int, ?::bigint, ?::timestamptz, ?::date,"
                + " ?::text, ?::text, ?::double precision, ?::bigint, ?::pg_lsn, ?::bigint, ?::timestamptz, ?::bigint))");
        for (Granularity g : Granularity.values()) {
            String table = "\"" + schema + "\".\"" + g.table() + "\"";
            String bucketColumn = "\"" + g.bucketColumn() + "\"";
            String bucket = g == Granularity.HOURLY ? "r.ts" : "r.d";
            int kind = g.ordinal();
            String guard = guardOrganization
                    ? " AND EXISTS (SELECT 1 FROM \"" + schema + "\".\"organization\" o WHERE o.id = r.org)" : "";
            // Scalar subqueries, not a join with r: they become parameters of one unique-index
            // lookup whatever the table's statistics (a join may be planned as a scan of the table).
            sql.append(",\n delete_").append(kind).append(" AS (DELETE FROM ").append(table).append(" t")
                    .append(" WHERE t.organization_id = (SELECT r.org FROM r WHERE r.kind = ").append(kind)
                    .append(" AND r.cnt <= 0) AND t.").append(bucketColumn).append(" = (SELECT ").append(bucket)
                    .append(" FROM r) AND t.metric_name = (SELECT r.metric_name FROM r)")
                    .append(" AND t.project = 'default' AND t.tag = '')");
            sql.append(",\n upsert_").append(kind).append(" AS (INSERT INTO ").append(table)
                    .append(" (id, created_at, modified_at, ").append(bucketColumn)
                    .append(", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)")
                    .append(" SELECT gen_random_uuid(), now(), now(), ").append(bucket)
                    .append(", r.metric_name, r.metric_type, r.value, r.cnt::integer, 'default', '', r.org FROM r")
                    .append(" WHERE r.kind = ").append(kind).append(" AND r.cnt > 0").append(guard)
                    .append(" ON CONFLICT (organization_id, ").append(bucketColumn).append(", metric_name, project, tag)")
                    .append(" DO UPDATE SET metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value,")
                    .append(" metric_count = EXCLUDED.metric_count, modified_at = EXCLUDED.modified_at)");
        }
        sql.append("\nINSERT INTO ").append(ProgressTable.qualified(schema))
                .append(" (id, source_lsn, changes_reflected, source_committed_at, committed_at, checkpoint_id)")
                .append(" SELECT 1, r.lsn, r.changes, r.source_ts, now(), r.checkpoint_id FROM r WHERE r.kind = ")
                .append(PROGRESS)
                .append(" ON CONFLICT (id) DO UPDATE SET source_lsn = EXCLUDED.source_lsn,")
                .append(" changes_reflected = EXCLUDED.changes_reflected, source_committed_at = EXCLUDED.source_committed_at,")
                .append(" committed_at = EXCLUDED.committed_at, checkpoint_id = EXCLUDED.checkpoint_id");
        return sql.toString();
    }

    static void bind(PreparedStatement ps, Item item) throws SQLException {
        RollupRow row = item.row();
        if (row != null) {
            ps.setInt(1, row.granularity.ordinal());
            ps.setLong(2, row.orgId);
            if (row.granularity == Granularity.HOURLY) {
                ps.setObject(3, OffsetDateTime.ofInstant(Instant.ofEpochMilli(row.bucketStart), ZoneOffset.UTC));
                ps.setNull(4, Types.DATE);
            } else {
                ps.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setObject(4, row.granularity.bucketParameter(row.bucketStart));
            }
            ps.setString(5, row.metricName);
            ps.setString(6, row.metricType);
            ps.setDouble(7, row.value);
            ps.setLong(8, row.isDelete() ? 0 : Math.min(row.count, Integer.MAX_VALUE));
            ps.setNull(9, Types.OTHER);
            ps.setNull(10, Types.BIGINT);
            ps.setNull(11, Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setNull(12, Types.BIGINT);
        } else {
            SourceProgress p = item.progress();
            ps.setInt(1, PROGRESS);
            ps.setNull(2, Types.BIGINT);
            ps.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setNull(4, Types.DATE);
            ps.setNull(5, Types.VARCHAR);
            ps.setNull(6, Types.VARCHAR);
            ps.setNull(7, Types.DOUBLE);
            ps.setNull(8, Types.BIGINT);
            ps.setString(9, ProgressTable.lsnText(p.lsn));
            ps.setLong(10, p.changes);
            if (p.sourceTsMs > 0) {
                ps.setTimestamp(11, new Timestamp(p.sourceTsMs));
            } else {
                ps.setNull(11, Types.TIMESTAMP_WITH_TIMEZONE);
            }
            ps.setLong(12, item.checkpointId());
        }
    }
}
