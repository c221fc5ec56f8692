package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.backfill.BackfillWriter;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.RollupStatements;
import io.github.dashboardmetrics.source.PreflightException;
import io.github.dashboardmetrics.util.DaemonThreads;
import io.github.dashboardmetrics.verify.BucketWindow;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The bootstrap's rollup rows on their way into the rollup tables, without holding them in the
 * JVM, merged while the bounded job still writes its savepoint: the final rows of each tier are
 * copied ({@code COPY}) in batches into a temporary table as they arrive, and each batch is
 * upserted into the rollup table at once (rows that are missing or differ are written, equal rows
 * left alone) and its keys kept; {@link #finish} merges the last batches, deletes what should not
 * be there (another project or tag, a bucket with no source rows) and commits. The rows are only
 * written inside the scope verify compares ({@code scope}, taken when the first batch is merged).
 * It is what {@code RollupVerifier.compare} plus {@link BackfillWriter#apply} did with the rows in
 * memory, which at 10M source rows held 2.2M rows and their comparison on the heap.
 *
 * <p>Everything happens in ONE transaction on one connection, opened when the first row arrives
 * and committed by {@link #finish} once the savepoint is complete: dashboards see the old rows or
 * all the new ones, nothing if the bootstrap fails (the transaction rolls back with the
 * connection), the temporary tables die with the transaction ({@code ON COMMIT DROP}), and a
 * connection pooler in transaction mode keeps the session's temporary tables for the whole of it.
 * The rows of a bounded job arrive at the end of its input, so the transaction is open for the
 * copy and the merge, not for the whole read.
 */
public final class StagedRollups implements AutoCloseable {
    /** Rows copied and merged per batch: a few MB of text at a time. */
    static final int ROWS_PER_COPY = 20_000;

    private final DatabaseTarget rollup;
    private final Supplier<VerifyScope> scopeAtFirstMerge;
    /** {@code --defer-indexes}: the tables' indexes, keys included, dropped when the transaction opens, built again before its commit. */
    private final boolean deferIndexes;
    private volatile DeferredIndexes deferred;
    private final Map<Granularity, ByteArrayOutputStream> pending = new EnumMap<>(Granularity.class);
    private final Map<Granularity, Integer> pendingRows = new EnumMap<>(Granularity.class);
    private Connection connection;
    private VerifyScope scope;
    private long staged;
    /** Written by the writer thread only. */
    private volatile long upserted;
    /**
     * Where the batches are merged: one thread, so that the rows keep arriving (the bounded job
     * keeps writing its savepoint) while PostgreSQL writes the batch before; at most one batch in
     * flight, so the JVM holds at most two.
     */
    private final ExecutorService writer = DaemonThreads.single("bootstrap-rollup-writer");
    /** The batch being merged, or null. */
    private Future<?> inFlight;

    /**
     * @param scopeAtFirstMerge the retention windows to write in, asked for once, when the first
     *     rows are merged (the bootstrap's are verify's default scope at that time)
     */
    public StagedRollups(DatabaseTarget rollup, Supplier<VerifyScope> scopeAtFirstMerge) {
        this(rollup, scopeAtFirstMerge, false);
    }

    /**
     * @param deferIndexes drop the rollup tables' indexes (keys included) as the transaction opens and
     *     build them again before its commit ({@link DeferredIndexes}): only for empty tables
     *     nobody reads meanwhile
     */
    public StagedRollups(DatabaseTarget rollup, Supplier<VerifyScope> scopeAtFirstMerge, boolean deferIndexes) {
        this.rollup = rollup;
        this.scopeAtFirstMerge = scopeAtFirstMerge;
        this.deferIndexes = deferIndexes;
        for (Granularity g : Granularity.values()) {
            pending.put(g, new ByteArrayOutputStream());
            pendingRows.put(g, 0);
        }
    }

    /**
     * Refuses up front (before the bulk read) a rollup role that may not create temporary tables
     * in its database: PUBLIC may by default, but an administrator can revoke it.
     */
    public static void requireTemporaryTables(DatabaseTarget rollup) {
        try (Connection c = rollup.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_database(), has_database_privilege(current_database(), 'TEMPORARY')")) {
            rs.next();
            if (!rs.getBoolean(2)) {
                throw new PreflightException(rollup.user() + " may not create temporary tables in database " + rs.getString(1)
                        + ", where bootstrap stages the rollup rows; have an administrator run: GRANT TEMPORARY ON DATABASE \""
                        + rs.getString(1) + "\" TO " + rollup.user() + ";");
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot use rollup database " + rollup.jdbcUrl() + " as " + rollup.user() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The temporary table of one tier's staged rows' keys: every row merged so far. */
    static String stagingTable(Granularity g) {
        return "staged_" + g.table();
    }

    /** The columns of a staged row's key, first in both temporary tables: the bucket typed as the tier's column. */
    static String keyColumns(Granularity g) {
        return "organization_id bigint NOT NULL, bucket " + (g == Granularity.HOURLY ? "timestamptz" : "date")
                + " NOT NULL, metric_name text NOT NULL";
    }

    /** The temporary table of one tier's batch being merged. */
    static String incomingTable(Granularity g) {
        return "incoming_" + g.table();
    }

    /** Stages one final row; a row of a bucket that went empty ({@code count <= 0}) is not a row. */
    public void add(RollupRow row) throws SQLException {
        if (row.isDelete() || row.count <= 0) {
            return;
        }
        Granularity g = row.granularity;
        String bucket = g == Granularity.HOURLY ? Instant.ofEpochMilli(row.bucketStart).toString()
                : Granularity.utcDate(row.bucketStart).toString();
        String line = row.orgId + "\t" + bucket + "\t" + copyText(row.metricName) + "\t" + copyText(row.metricType)
                + "\t" + row.value + "\t" + Math.min(row.count, Integer.MAX_VALUE) + "\n";
        pending.get(g).writeBytes(line.getBytes(StandardCharsets.UTF_8));
        staged++;
        if (pendingRows.merge(g, 1, Integer::sum) >= ROWS_PER_COPY) {
            submit(g);
        }
    }

    /** Indexes dropped by {@code --defer-indexes} so far, which {@link #finish} builds again. */
    public int deferredIndexes() {
        return deferred == null ? 0 : deferred.count();
    }

    /** Rows staged so far: the non-empty buckets of the three tiers. */
    public long staged() {
        return staged;
    }

    /** Staged rows upserted into the rollup tables so far (not committed before {@link #finish}). */
    public long upserted() {
        return upserted;
    }

    /**
     * Merges the rows not merged yet, deletes the rows of each tier's window that no staged row
     * stands for (rows outside the window are neither written nor removed), and commits: each
     * rollup table then holds exactly the staged rows of its tier inside the window. With
     * {@code --defer-indexes} the tables were empty, so there is nothing to delete; the dropped
     * indexes are built instead.
     */
    public BackfillWriter.Applied finish() throws SQLException {
        long deleted = 0;
        try {
            for (Granularity g : Granularity.values()) {
                submit(g);
            }
            awaitInFlight();
            Connection c = connection();
            if (deferred == null) {
                deleted = deleteUnstaged(c);
            } else {
                deferred.rebuild(c);
            }
            c.commit();
        } catch (SQLException e) {
            rollBack();
            throw e;
        }
        return new BackfillWriter.Applied(upserted, deleted);
    }

    /** The rows of each tier's window that no staged row stands for, deleted; how many. */
    private long deleteUnstaged(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                st.execute("ANALYZE " + stagingTable(g)); // the anti-join below is planned on real counts
            }
        }
        long deleted = 0;
        for (Granularity g : Granularity.values()) {
            BucketWindow window = scope().window(g);
            if (!window.isEmpty()) {
                deleted += run(c, deleteUnstaged(g, window), window, g);
            }
        }
        return deleted;
    }

    private VerifyScope scope() {
        if (scope == null) {
            scope = scopeAtFirstMerge.get();
        }
        return scope;
    }

    private String liveTable(Granularity g) {
        return g.tableIn(rollup.schema());
    }

    /**
     * Rows in the window with no staged row of their key (and any project or tag but the job's).
     * One top-level NOT EXISTS, which PostgreSQL plans as a hashed anti-join: under a NOT (... AND
     * EXISTS ...) it ran the subquery, a scan of the staged rows, once per row of the window.
     */
    String deleteUnstaged(Granularity g, BucketWindow window) {
        String bucket = "\"" + g.bucketColumn() + "\"";
        return "DELETE FROM " + liveTable(g) + " t WHERE " + inWindow("t." + bucket, window)
                + " AND NOT EXISTS (SELECT 1 FROM " + stagingTable(g) + " s WHERE s.organization_id = t.organization_id"
                + " AND s.bucket = t." + bucket + " AND s.metric_name = t.metric_name AND t.project = 'default' AND t.tag = '')";
    }

    /**
     * A batch's rows in the window, written where they differ; in key order, as the committer locks
     * (within the batch: a writer of the same rows elsewhere would be an error of deployment).
     */
    private String upsertBatch(Granularity g, BucketWindow window) {
        // With --defer-indexes the table was empty and has no unique key now: each final row is inserted once.
        String onConflict = deferred == null ? RollupStatements.onConflictUpdateWhenDifferent(g) : "";
        String bucket = "\"" + g.bucketColumn() + "\"";
        return "INSERT INTO " + liveTable(g) + " AS t (id, created_at, modified_at, " + bucket
                + ", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                + " SELECT gen_random_uuid(), now(), now(), s.bucket, s.metric_name, s.metric_type, s.metric_value,"
                + " s.metric_count, 'default', '', s.organization_id FROM " + incomingTable(g) + " s"
                + " WHERE " + inWindow("s.bucket", window) + " ORDER BY s.organization_id, s.bucket, s.metric_name"
                + onConflict;
    }

    /** {@code column} inside the window: a parameter for each closed end ({@link #bounds}). */
    private static String inWindow(String column, BucketWindow window) {
        String clause = "TRUE";
        if (window.fromInclusive() != null) {
            clause += " AND " + column + " >= ?";
        }
        if (window.toExclusive() != null) {
            clause += " AND " + column + " < ?";
        }
        return clause;
    }

    /** The window's closed ends, typed like the bucket column (timestamptz for hours, date otherwise). */
    static Object[] bounds(Granularity g, BucketWindow window) {
        return Stream.of(window.fromInclusive(), window.toExclusive())
                .filter(Objects::nonNull)
                .map(bound -> g.bucketParameter(bound.toEpochMilli()))
                .toArray();
    }

    private static long run(Connection c, String sql, BucketWindow window, Granularity g) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Object[] bounds = bounds(g, window);
            for (int i = 0; i < bounds.length; i++) {
                ps.setObject(i + 1, bounds[i]);
            }
            return ps.executeLargeUpdate();
        }
    }

    /**
     * Hands the batch of {@code g}'s rows pending in the JVM to the writer thread ({@link #merge}),
     * once the batch before it is merged; throws what merging that one threw.
     */
    private void submit(Granularity g) throws SQLException {
        ByteArrayOutputStream rows = pending.get(g);
        if (rows.size() == 0) {
            return;
        }
        byte[] batch = rows.toByteArray();
        rows.reset();
        pendingRows.put(g, 0);
        awaitInFlight();
        inFlight = writer.submit(() -> {
            merge(g, batch);
            return null;
        });
    }

    /** Waits for the batch in flight, if any; throws what merging it threw. */
    private void awaitInFlight() throws SQLException {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException("merging rollup rows: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while rollup rows were merged", e);
        } finally {
            inFlight = null;
        }
    }

    /**
     * One batch of {@code g}'s rows (COPY text) into the rollup table: copied into the incoming
     * table, upserted from there inside the window, its keys kept in the staging table (for
     * {@link #finish}'s delete), and the incoming table emptied. On the writer thread.
     */
    private void merge(Granularity g, byte[] batch) throws SQLException {
        try {
            Connection c = connection();
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            copy.copyIn("COPY " + incomingTable(g) + " FROM STDIN", new ByteArrayInputStream(batch));
            BucketWindow window = scope().window(g);
            if (!window.isEmpty()) {
                upserted += run(c, upsertBatch(g, window), window, g);
            }
            try (Statement st = c.createStatement()) {
                if (deferred == null) { // with --defer-indexes the tables were empty: nothing to delete, no keys needed
                    st.execute("INSERT INTO " + stagingTable(g) + " SELECT organization_id, bucket, metric_name FROM "
                            + incomingTable(g));
                }
                st.execute("TRUNCATE " + incomingTable(g));
            }
        } catch (IOException e) {
            rollBack();
            throw new SQLException("copying rollup rows into " + incomingTable(g) + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            rollBack();
            throw e;
        }
    }

    /** The connection, with its transaction and the staging tables, opened on first use. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = rollup.connect();
            try {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    // The merge's statements are planned as costly (a hashed anti-join over every
                    // staged row), which makes PostgreSQL compile them (JIT, 11 and later): 0.4 s
                    // each in a test on 80,000 rows, more than the delete itself.
                    st.execute("SELECT set_config('jit', 'off', true) WHERE current_setting('jit', true) IS NOT NULL");
                    // The organisation foreign keys (deferred in Unstract's schema) checked as each
                    // batch is written, while the savepoint is still being written, not all at the commit.
                    st.execute("SET CONSTRAINTS ALL IMMEDIATE");
                    for (Granularity g : Granularity.values()) {
                        st.execute("CREATE TEMP TABLE " + incomingTable(g) + " (" + keyColumns(g) + ", metric_type text NOT NULL,"
                                + " metric_value double precision NOT NULL, metric_count integer NOT NULL) ON COMMIT DROP");
                        st.execute("CREATE TEMP TABLE " + stagingTable(g) + " (" + keyColumns(g) + ") ON COMMIT DROP");
                    }
                }
                if (deferIndexes) {
                    deferred = DeferredIndexes.drop(c, rollup.schema());
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** COPY's text format: backslash, tab, newline and carriage return escaped. */
    private static String copyText(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private void rollBack() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is closed next; the transaction ends with it
            }
        }
    }

    /** Ends the connection; without {@link #finish}, everything merged is rolled back with its transaction. */
    @Override
    public void close() throws SQLException {
        try {
            awaitInFlight();
        } catch (SQLException ignored) {
            // already thrown to the caller, or the caller is failing for another reason
        } finally {
            writer.shutdownNow();
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }
}
