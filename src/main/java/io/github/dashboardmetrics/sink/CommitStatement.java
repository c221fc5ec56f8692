package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.PositionMark;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The statements of a commit, set-based: for each table one DELETE of the buckets that went to
 * zero and one upsert of the others, each taking all of its rows as arrays
 * ({@code unnest(?::bigint[], ...)}), then the upsert of the progress row. A commit is at most
 * seven statements whatever its size; {@link BatchTransactionWriter} runs them in one transaction,
 * and on a row the database refuses runs them again on halves of the commit, down to the row.
 *
 * <ul>
 *   <li>a rollup row with {@code count > 0}: upsert in place (a new row gets a new {@code id} and
 *       {@code created_at}; an existing one keeps both, only values and {@code modified_at} change);
 *   <li>a rollup row with {@code count <= 0}: delete;
 *   <li>the progress item: upsert of the one row of {@link ProgressTable} (and, when the rollups
 *       live in the source database, a position mark in the WAL: {@link PositionMark}).
 * </ul>
 *
 * When the rollup tables sit beside Unstract's {@code organization}, an upsert for an organisation
 * that no longer exists is skipped (Unstract's cascade is deleting its rows).
 *
 * <p>One statement per row (seven data-modifying CTEs, every one evaluated for every row) wrote
 * about 2,200 rows a second in {@code bench --profile quick}: during the initial snapshot the
 * commits held up the whole pipeline behind them.
 */
final class CommitStatement implements BatchTransactionWriter.RangeStatements<CommitStatement.Item> {
    /** One element of a commit: a rollup row, or (last) the progress. */
    record Item(RollupRow row, SourceProgress progress, long checkpointId) {
        static Item of(RollupRow row) {
            return new Item(row, null, 0);
        }

        static Item progress(SourceProgress progress, long checkpointId) {
            return new Item(null, progress, checkpointId);
        }

        /** Only a position mark (an idle committer's: {@link RollupCommitter#IDLE_MARK_INTERVAL_MS}). */
        static Item mark() {
            return new Item(null, null, 0);
        }

        /** Whether this is a position mark alone ({@link #mark()}). */
        boolean isMark() {
            return row == null && progress == null;
        }
    }

    private final Map<Granularity, String> deletes = new EnumMap<>(Granularity.class);
    private final Map<Granularity, String> upserts = new EnumMap<>(Granularity.class);
    private final String progress;
    private final boolean markSourcePosition;
    /** Hourly buckets the statements changed since {@link #forgetChanged}: org, bucket start, metric. */
    private final Set<String> changedHours = new HashSet<>();

    /** See {@link #CommitStatement(String, boolean, boolean)}. */
    CommitStatement(String schema, boolean guardOrganization) {
        this(schema, guardOrganization, false);
    }

    /**
     * @param markSourcePosition end the commit with a position mark in the WAL
     *     ({@link PositionMark#SQL}), after its rows: the rollups live in the source database
     */
    CommitStatement(String schema, boolean guardOrganization, boolean markSourcePosition) {
        this.markSourcePosition = markSourcePosition;
        DatabaseTarget.requireIdentifier(schema, "schema");
        for (Granularity g : Granularity.values()) {
            String table = g.tableIn(schema);
            String bucketColumn = "\"" + g.bucketColumn() + "\"";
            // Bucket starts travel as epoch millis and are turned into the column's type exactly.
            String bucket = g == Granularity.HOURLY
                    ? "('epoch'::timestamptz + u.ms * interval '1 millisecond')"
                    : "(('epoch'::timestamptz + u.ms * interval '1 millisecond') AT TIME ZONE 'UTC')::date";
            // The keys a statement changed, for the hourly table (whose cached dashboard hours are deleted).
            String returning = g == Granularity.HOURLY
                    ? " RETURNING t.organization_id, (extract(epoch FROM t." + bucketColumn + ") * 1000)::bigint,"
                            + " t.metric_name"
                    : "";
            deletes.put(g, "DELETE FROM " + table + " t USING unnest(?::bigint[], ?::bigint[], ?::text[])"
                    + " AS u(org, ms, metric_name) WHERE t.organization_id = u.org AND t." + bucketColumn + " = "
                    + bucket + " AND t.metric_name = u.metric_name AND t.project = 'default' AND t.tag = ''"
                    + returning);
            String guard = guardOrganization
                    ? " WHERE EXISTS (SELECT 1 FROM \"" + schema + "\".\"organization\" o WHERE o.id = u.org)" : "";
            upserts.put(g, "INSERT INTO " + table + " AS t (id, created_at, modified_at, " + bucketColumn
                    + ", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                    + " SELECT gen_random_uuid(), now(), now(), " + bucket + ", u.metric_name, u.metric_type, u.value,"
                    + " u.cnt, 'default', '', u.org"
                    + " FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::double precision[], ?::integer[])"
                    + " WITH ORDINALITY AS u(org, ms, metric_name, metric_type, value, cnt, ord)" + guard
                    // In the given order: the rows come sorted by key, one lock order for every commit.
                    + " ORDER BY u.ord"
                    + RollupStatements.onConflictUpdateWhenDifferent(g) + returning);
        }
        progress = "INSERT INTO " + ProgressTable.qualified(schema)
                + " (id, source_lsn, changes_reflected, source_committed_at, committed_at, checkpoint_id, source_offsets)"
                + " VALUES (1, ?::pg_lsn, ?::bigint, ?::timestamptz, now(), ?::bigint, ?::jsonb)"
                + " ON CONFLICT (id) DO UPDATE SET source_lsn = EXCLUDED.source_lsn,"
                + " changes_reflected = EXCLUDED.changes_reflected, source_committed_at = EXCLUDED.source_committed_at,"
                + " committed_at = EXCLUDED.committed_at, checkpoint_id = EXCLUDED.checkpoint_id,"
                + " source_offsets = EXCLUDED.source_offsets";
    }

    /** Writes {@code items} (in the current transaction): tier by tier, deletes then upserts, then the progress. */
    @Override
    public void execute(Connection connection, List<Item> items) throws SQLException {
        Map<Granularity, Columns> deleted = new EnumMap<>(Granularity.class);
        Map<Granularity, Columns> upserted = new EnumMap<>(Granularity.class);
        List<Item> progressItems = new ArrayList<>(1);
        boolean markAlone = false;
        for (Item item : items) {
            RollupRow row = item.row();
            if (item.isMark()) {
                markAlone = true;
            } else if (row == null) {
                progressItems.add(item);
            } else {
                long count = row.isDelete() ? 0 : Math.min(row.count, Integer.MAX_VALUE);
                (count <= 0 ? deleted : upserted).computeIfAbsent(row.granularity, g -> new Columns()).add(row, count);
            }
        }
        for (Granularity g : Granularity.values()) {
            Columns d = deleted.get(g);
            if (d != null) {
                try (PreparedStatement ps = connection.prepareStatement(deletes.get(g))) {
                    ps.setArray(1, connection.createArrayOf("bigint", d.orgs.toArray(new Long[0])));
                    ps.setArray(2, connection.createArrayOf("bigint", d.bucketMs.toArray(new Long[0])));
                    ps.setArray(3, connection.createArrayOf("text", d.metricNames.toArray(new String[0])));
                    run(ps, g);
                }
            }
            Columns u = upserted.get(g);
            if (u != null) {
                try (PreparedStatement ps = connection.prepareStatement(upserts.get(g))) {
                    ps.setArray(1, connection.createArrayOf("bigint", u.orgs.toArray(new Long[0])));
                    ps.setArray(2, connection.createArrayOf("bigint", u.bucketMs.toArray(new Long[0])));
                    ps.setArray(3, connection.createArrayOf("text", u.metricNames.toArray(new String[0])));
                    ps.setArray(4, connection.createArrayOf("text", u.metricTypes.toArray(new String[0])));
                    ps.setArray(5, connection.createArrayOf("float8", u.values.toArray(new Double[0])));
                    ps.setArray(6, connection.createArrayOf("int4", u.counts.toArray(new Integer[0])));
                    run(ps, g);
                }
            }
        }
        for (Item item : progressItems) {
            try (PreparedStatement ps = connection.prepareStatement(progress)) {
                SourceProgress p = item.progress();
                ps.setString(1, ProgressTable.lsnText(p.lsn));
                ps.setLong(2, p.changes);
                if (p.sourceTsMs > 0) {
                    ps.setTimestamp(3, new Timestamp(p.sourceTsMs));
                } else {
                    ps.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
                }
                ps.setLong(4, item.checkpointId());
                ps.setString(5, p.offsets);
                ps.executeUpdate();
            }
            if (markSourcePosition) {
                mark(connection);
            }
        }
        if (markAlone && markSourcePosition) {
            mark(connection);
            // A transaction that writes nothing has no id, and its commit does not flush the WAL:
            // the mark would wait in PostgreSQL's WAL buffers, unseen by the stream, which only
            // reads flushed WAL. With an id, the commit flushes it.
            try (Statement st = connection.createStatement()) {
                st.execute("SELECT pg_catalog.txid_current()");
            }
        }
    }

    private static void mark(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(PositionMark.SQL);
        }
    }

    private void run(PreparedStatement ps, Granularity g) throws SQLException {
        if (g != Granularity.HOURLY) {
            ps.executeUpdate();
            return;
        }
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                changedHours.add(hourKey(rs.getLong(1), rs.getLong(2), rs.getString(3)));
            }
        }
    }

    /**
     * Starts collecting anew what the statements change. A range written and then rolled back (a
     * retry, a refused row isolated) still counts as changed: deleting a cached hour too many is
     * harmless, one too few is not.
     */
    void forgetChanged() {
        changedHours.clear();
    }

    /** Whether the statements since {@link #forgetChanged} inserted, updated or deleted this hourly row. */
    boolean changed(RollupRow hourly) {
        return changedHours.contains(hourKey(hourly.orgId, hourly.bucketStart, hourly.metricName));
    }

    private static String hourKey(long org, long bucketStartMs, String metric) {
        return org + "|" + bucketStartMs + "|" + metric;
    }

    /** The rows of one statement, column by column. */
    private static final class Columns {
        final List<Long> orgs = new ArrayList<>();
        final List<Long> bucketMs = new ArrayList<>();
        final List<String> metricNames = new ArrayList<>();
        final List<String> metricTypes = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        final List<Integer> counts = new ArrayList<>();

        void add(RollupRow row, long count) {
            orgs.add(row.orgId);
            bucketMs.add(row.bucketStart);
            metricNames.add(row.metricName);
            metricTypes.add(row.metricType);
            values.add(row.value);
            counts.add((int) count);
        }
    }
}
