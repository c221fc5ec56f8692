package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.sink.ProgressTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the databases before the job starts, so bad configuration fails fast with one clear
 * message instead of a job that restarts forever: connectivity, wal_level, the REPLICATION
 * privilege, the captured and rollup tables (and, for the streaming job, the rollup role's right
 * to mark its position in the WAL: {@link #requirePositionMarkPrivilege}) and their replica
 * identity, the publication (created or completed when missing, with the missing privilege named
 * when that is not allowed; one that exists must publish inserts, updates, deletes and
 * truncates), and the replication slot (free, and not past {@code max_slot_wal_keep_size}). Every
 * connection has the target's lock and statement timeouts, so a table locked by a migration fails
 * the check instead of hanging it.
 */
public final class SourcePreflight {
    /** What the checks found, for the job to use. */
    public record Result(List<String> capturedTables, boolean rollupBesideOrganization) {}

    /** How long a slot may stay active after its previous job died before the preflight gives up. */
    static final java.time.Duration SLOT_RELEASE_GRACE = java.time.Duration.ofSeconds(15);

    private SourcePreflight() {}

    public static Result check(DatabaseTarget source, DatabaseTarget rollup, String publication) {
        DatabaseTarget.requireIdentifier(publication, "publication name");
        List<String> captured;
        try (Connection c = source.connect()) {
            requireSetting(c, "wal_level", "logical",
                    "set wal_level = logical in postgresql.conf and restart PostgreSQL");
            requireReplicationPrivilege(c, source.user());
            captured = capturedTables(c, source.schema());
            requireReplicaIdentity(c, source.schema(), captured);
            ensurePublication(c, source.schema(), publication, captured);
        } catch (SQLException e) {
            throw new PreflightException("cannot use source database " + source.jdbcUrl() + " as " + source.user()
                    + ": " + e.getMessage() + waitHint(e, source), e);
        }
        return new Result(captured, checkRollupTables(rollup));
    }

    /**
     * The rollup role may write the streaming job's {@link PositionMark}s (checked where the job
     * decides to write them: a backfill writes none).
     */
    public static void requirePositionMarkPrivilege(DatabaseTarget rollup) {
        try (Connection c = rollup.connect()) {
            PositionMark.requirePrivilege(c, rollup.user());
        } catch (SQLException e) {
            throw new PreflightException("cannot use rollup database " + rollup.jdbcUrl() + " as " + rollup.user()
                    + ": " + e.getMessage() + waitHint(e, rollup), e);
        }
    }

    /**
     * The replication slot is free for this job: absent ({@code run} creates it before the job
     * starts, {@link JobSlot}; else the source does), or a pgoutput slot of this database that no
     * other process is streaming from. Two jobs on one slot would
     * steal each other's changes; PostgreSQL's own error for it comes only after the job started.
     */
    public static void requireSlotAvailable(DatabaseTarget source, String slot) {
        requireSlotAvailable(source, slot, SLOT_RELEASE_GRACE);
    }

    /**
     * The same; with {@code mayBeThisJob} (application mode, where {@code main()} runs again after
     * a JobManager failover while the job's own restored source may already stream from the
     * slot) an active slot is accepted with a warning instead: a second job on it fails when its
     * source starts.
     */
    public static void requireSlotAvailable(DatabaseTarget source, String slot, boolean mayBeThisJob) {
        requireSlotAvailable(source, slot, mayBeThisJob ? java.time.Duration.ZERO : SLOT_RELEASE_GRACE, mayBeThisJob);
    }

    static void requireSlotAvailable(DatabaseTarget source, String slot, java.time.Duration grace) {
        requireSlotAvailable(source, slot, grace, false);
    }

    /**
     * The same, waiting up to {@code grace} for an active slot to be released: a job killed a
     * moment ago holds its slot until PostgreSQL notices the closed connection.
     */
    private static void requireSlotAvailable(DatabaseTarget source, String slot, java.time.Duration grace,
            boolean mayBeThisJob) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        long deadline = System.nanoTime() + grace.toNanos();
        try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT plugin, database, active, active_pid, wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return;
                    }
                    requireOwnSlot(c, slot, rs, "; give this job its own --slot");
                    if (!rs.getBoolean("active")) {
                        return;
                    }
                    if (mayBeThisJob) {
                        org.slf4j.LoggerFactory.getLogger(SourcePreflight.class).warn("Replication slot {} is active (pid {}): "
                                + "in application mode that is this job's own source after a JobManager failover; "
                                + "continuing (a second job on this slot would fail when its source starts)",
                                slot, rs.getString("active_pid"));
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new PreflightException("replication slot " + slot + " is in use by another process (pid "
                                + rs.getString("active_pid") + "): is this job already running? Stop it, or give"
                                + " this one its own --slot and --publication");
                    }
                }
                Thread.sleep(250); // polling the slot's state until the deadline
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check replication slot " + slot + " in " + source.jdbcUrl() + ": "
                    + e.getMessage() + waitHint(e, source), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PreflightException("interrupted while checking replication slot " + slot, e);
        }
    }

    /**
     * For a bootstrap: no slot of that name exists yet (the bootstrap creates it, with the
     * snapshot it reads). An existing one may be another job's, or a bootstrap's already used.
     */
    public static void requireNoSlot(DatabaseTarget source, String slot) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new PreflightException("replication slot " + slot + " already exists"
                            + (rs.getBoolean("active") ? " and is in use" : "")
                            + ": a bootstrap creates its own slot; give it another --slot, or drop that one"
                            + " (SELECT pg_drop_replication_slot('" + slot + "')) if nothing streams from it");
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check replication slot " + slot + " in " + source.jdbcUrl() + ": "
                    + e.getMessage() + waitHint(e, source), e);
        }
    }

    /**
     * For {@code --startup committed}: the slot exists, is this database's pgoutput slot, still has
     * its WAL, and (when {@code expectedConfirmed} is given: a bootstrap's consistent point) has
     * confirmed exactly that position. Flink CDC would otherwise start silently at the current
     * end of the WAL, or past changes the state does not hold.
     */
    public static void requireSlotToResume(DatabaseTarget source, String slot, Long expectedConfirmed) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT plugin, database, wal_status, confirmed_flush_lsn - '0/0'::pg_lsn AS confirmed"
                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PreflightException("--startup committed streams from replication slot " + slot
                            + ", which does not exist: start from a bootstrap's savepoint with the slot it created"
                            + " (bootstrap prints the command), or use --startup initial");
                }
                requireOwnSlot(c, slot, rs, "");
                long confirmed = rs.getLong("confirmed");
                if (expectedConfirmed != null && confirmed != expectedConfirmed) {
                    throw new PreflightException("replication slot " + slot + " has confirmed position "
                            + ProgressTable.lsnText(confirmed) + ", not the bootstrap's consistent point "
                            + ProgressTable.lsnText(expectedConfirmed) + ": this savepoint was already started from (the"
                            + " changes since are in the job's checkpoints: resume with run alone), or the slot is"
                            + " not the bootstrap's; bootstrap again to start over");
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check replication slot " + slot + " in " + source.jdbcUrl() + ": "
                    + e.getMessage() + waitHint(e, source), e);
        }
    }

    /**
     * The slot row {@code rs} (columns plugin, database, wal_status) is a pgoutput slot of this
     * database that still has its WAL; {@code hint} ends the message when it belongs to something else.
     */
    private static void requireOwnSlot(Connection c, String slot, ResultSet rs, String hint) throws SQLException {
        if (!"pgoutput".equals(rs.getString("plugin")) || !c.getCatalog().equals(rs.getString("database"))) {
            throw new PreflightException("replication slot " + slot + " belongs to something else (plugin "
                    + rs.getString("plugin") + ", database " + rs.getString("database") + ")" + hint);
        }
        requireWalKept(slot, rs.getString("wal_status"));
    }

    /**
     * The slot still has the WAL it needs ({@code wal_status} of PostgreSQL 13+): {@code lost} means
     * changes are gone for good, {@code unreserved} that they go at the next checkpoint
     * ({@code max_slot_wal_keep_size} exceeded). Streaming from it would miss changes silently (or
     * fail in a restart loop once they are removed).
     */
    private static void requireWalKept(String slot, String walStatus) {
        if ("lost".equals(walStatus)) {
            throw new PreflightException("replication slot " + slot + " has lost WAL it needs (wal_status lost, "
                    + "max_slot_wal_keep_size exceeded): changes are missing and the rollups cannot be kept exact;"
                    + " drop it (SELECT pg_drop_replication_slot('" + slot + "')) and start the job fresh (a new"
                    + " --state-dir, --startup initial) to take a new snapshot");
        }
        if ("unreserved".equals(walStatus)) {
            throw new PreflightException("replication slot " + slot + " is about to lose WAL it needs (wal_status"
                    + " unreserved: older than max_slot_wal_keep_size allows, removed at the next checkpoint): raise"
                    + " max_slot_wal_keep_size (or set it to -1) and reload PostgreSQL, then start the job again; if"
                    + " the WAL is lost meanwhile, drop the slot and start fresh");
        }
    }

    /**
     * Every captured table identifies its rows in the change stream: REPLICA IDENTITY NOTHING (or
     * DEFAULT without a primary key) sends updates and deletes without the old row's key, and
     * PostgreSQL refuses Unstract's updates and deletes of such a table once it is published.
     */
    private static void requireReplicaIdentity(Connection c, String schema, List<String> captured) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT cl.relname, cl.relreplident FROM pg_class cl"
                + " JOIN pg_namespace n ON n.oid = cl.relnamespace"
                + " WHERE n.nspname = ? AND cl.relname = ANY (?) AND (cl.relreplident = 'n' OR (cl.relreplident = 'd'"
                + " AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary)))"
                + " ORDER BY 1")) {
            ps.setString(1, schema);
            ps.setArray(2, c.createArrayOf("text", captured.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String table = schema + "." + rs.getString(1);
                    throw new PreflightException("captured table " + table + ("n".equals(rs.getString(2))
                            ? " has REPLICA IDENTITY NOTHING" : " has no primary key for its REPLICA IDENTITY DEFAULT")
                            + ": its updates and deletes carry no key in the change stream; run ALTER TABLE " + table
                            + " REPLICA IDENTITY DEFAULT (with its primary key) or REPLICA IDENTITY FULL");
                }
            }
        }
    }

    /** For a statement that gave up waiting (lock_timeout, statement_timeout): what to do about it. */
    private static String waitHint(SQLException e, DatabaseTarget target) {
        String state = e.getSQLState();
        if ("55P03".equals(state) || "57014".equals(state)) {
            return " (another session holds a lock on a table the preflight needs, a migration perhaps; lock_timeout "
                    + target.timeouts().lockSeconds() + " s, statement_timeout " + target.timeouts().statementSeconds()
                    + " s: start the job again when it is done, or raise --db-lock-timeout-s)";
        }
        return "";
    }

    /**
     * Checks only the rollup side (what a job that reads Debezium's topics on Kafka needs of a
     * database): the three rollup tables exist, and the dead-letter table exists or is created.
     * Returns whether {@code organization} sits beside them.
     */
    public static boolean checkRollupTables(DatabaseTarget rollup) {
        try (Connection c = rollup.connect()) {
            Set<String> tables = tablesIn(c, rollup.schema());
            for (Granularity g : Granularity.values()) {
                if (!tables.contains(g.table())) {
                    throw new PreflightException("rollup table " + rollup.schema() + "." + g.table() + " is missing in "
                            + rollup.jdbcUrl() + " (create it with Unstract's dashboard_metrics migrations)");
                }
            }
            if (!tables.contains(DeadLetterTable.TABLE)) {
                createDeadLetterTable(c, rollup);
            }
            requireDeadLetterTable(c, rollup);
            ProgressTable.prepare(c, rollup, tables.contains(ProgressTable.TABLE));
            return tables.contains("organization");
        } catch (SQLException e) {
            throw new PreflightException("cannot use rollup database " + rollup.jdbcUrl() + " as " + rollup.user()
                    + ": " + e.getMessage() + waitHint(e, rollup), e);
        }
    }

    private static void createDeadLetterTable(Connection c, DatabaseTarget rollup) {
        try {
            DeadLetterTable.ensure(c, rollup.schema());
        } catch (SQLException e) {
            throw new PreflightException("the dead-letter table " + rollup.schema() + "." + DeadLetterTable.TABLE
                    + " is missing and " + rollup.user() + " cannot create it (" + e.getMessage().split("\n", 2)[0]
                    + "); have an administrator run:\n" + DeadLetterTable.createStatement(rollup.schema())
                    + ";\n" + deadLetterGrant(rollup), e);
        }
    }

    /** The dead-letter table has the columns the job writes, and this role may insert. */
    private static void requireDeadLetterTable(Connection c, DatabaseTarget rollup) throws SQLException {
        Set<String> columns = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
            ps.setString(1, rollup.schema());
            ps.setString(2, DeadLetterTable.TABLE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        List<String> missing = DeadLetterTable.COLUMNS.stream().filter(col -> !columns.contains(col)).toList();
        if (!missing.isEmpty()) {
            throw new PreflightException("the dead-letter table " + rollup.schema() + "." + DeadLetterTable.TABLE
                    + " lacks the columns " + missing + "; it should be:\n"
                    + DeadLetterTable.createStatement(rollup.schema()));
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, 'INSERT')")) {
            ps.setString(1, "\"" + rollup.schema() + "\".\"" + DeadLetterTable.TABLE + "\"");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new PreflightException(rollup.user() + " may not insert into the dead-letter table "
                            + rollup.schema() + "." + DeadLetterTable.TABLE + "; have an administrator run:\n"
                            + deadLetterGrant(rollup));
                }
            }
        }
    }

    private static String deadLetterGrant(DatabaseTarget rollup) {
        return "GRANT SELECT, INSERT ON " + rollup.schema() + "." + DeadLetterTable.TABLE + " TO " + rollup.user() + ";";
    }

    private static void requireSetting(Connection c, String name, String expected, String fix) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            String actual = rs.getString(1);
            if (!expected.equalsIgnoreCase(actual)) {
                throw new PreflightException(name + " is '" + actual + "', must be '" + expected + "': " + fix);
            }
        }
    }

    private static void requireReplicationPrivilege(Connection c, String user) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new PreflightException("role " + user + " lacks the REPLICATION privilege needed for a "
                            + "logical replication slot: ALTER ROLE " + user + " WITH REPLICATION");
                }
            }
        }
    }

    private static List<String> capturedTables(Connection c, String schema) throws SQLException {
        Set<String> present = tablesIn(c, schema);
        List<String> captured = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String t : CapturedTables.required()) {
            (present.contains(t) ? captured : missing).add(t);
        }
        if (!missing.isEmpty()) {
            throw new PreflightException("source tables missing in schema " + schema + ": " + String.join(", ", missing)
                    + " (is --db-schema right?)");
        }
        for (String t : CapturedTables.optional()) {
            if (present.contains(t)) {
                captured.add(t);
            }
        }
        for (String t : captured) {
            try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, 'SELECT')")) {
                ps.setString(1, "\"" + schema + "\".\"" + t + "\"");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new PreflightException("no SELECT privilege on " + schema + "." + t
                                + ": GRANT SELECT ON " + schema + "." + t + " TO <job role>");
                    }
                }
            }
        }
        return captured;
    }

    /** The tables of {@code schema} this role can see (information_schema). */
    public static Set<String> tablesIn(Connection c, String schema) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /**
     * A publication that exists already publishes every kind of change: one without deletes or
     * truncates (publish = 'insert, update', a common choice elsewhere) would leave rows in the
     * rollups that are gone from the source, silently.
     */
    private static void requirePublishedOperations(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pubinsert, pubupdate, pubdelete, pubtruncate"
                + " FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                List<String> missing = new ArrayList<>();
                for (String op : List.of("insert", "update", "delete", "truncate")) {
                    if (!rs.getBoolean("pub" + op)) {
                        missing.add(op);
                    }
                }
                if (!missing.isEmpty()) {
                    throw new PreflightException("publication " + publication + " does not publish "
                            + String.join(", ", missing) + ": the rollups would miss those changes; run ALTER"
                            + " PUBLICATION \"" + publication + "\" SET (publish = 'insert, update, delete, truncate')"
                            + " (or give this job its own --publication)");
                }
            }
        }
    }

    /** Creates the publication, or adds the captured tables it lacks. */
    private static void ensurePublication(Connection c, String schema, String publication, List<String> captured)
            throws SQLException {
        Set<String> published = new TreeSet<>();
        boolean exists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        if (exists) {
            requirePublishedOperations(c, publication);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT tablename FROM pg_publication_tables WHERE pubname = ? AND schemaname = ?")) {
                ps.setString(1, publication);
                ps.setString(2, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        published.add(rs.getString(1));
                    }
                }
            }
        }
        List<String> toAdd = new ArrayList<>();
        for (String t : captured) {
            if (!published.contains(t)) {
                toAdd.add("\"" + schema + "\".\"" + t + "\"");
            }
        }
        if (toAdd.isEmpty()) {
            return;
        }
        String sql = exists
                ? "ALTER PUBLICATION \"" + publication + "\" ADD TABLE " + String.join(", ", toAdd)
                : "CREATE PUBLICATION \"" + publication + "\" FOR TABLE " + String.join(", ", toAdd);
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState()) || "57014".equals(e.getSQLState())) {
                throw e; // waited too long for a table's lock: not a privilege problem
            }
            throw new PreflightException("publication " + publication + " is missing or incomplete and this role cannot "
                    + (exists ? "alter" : "create") + " it (" + e.getMessage().split("\n", 2)[0] + "). It needs the "
                    + "CREATE privilege on the database and ownership of the tables; or have an administrator run: "
                    + sql, e);
        }
    }
}
