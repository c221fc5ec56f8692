package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Test instrumentation of a rollup database that holds the job's writes at a known point, so a
 * fault can be injected exactly there: a statement-level trigger on the three rollup tables makes
 * every INSERT statement take a shared advisory lock, held to the end of its transaction. While
 * the test holds that lock exclusively ({@link #holdWrites()}), the first statement of each writer
 * transaction waits for it: the transaction is in flight, visible in {@code pg_locks}
 * ({@link #writersWaiting()}), and nothing is committed until {@link #releaseWrites()}.
 *
 * <p>A second gate does the same for the retention cleaner: a row trigger on deletes of hourly
 * rows older than 30 days, rows the job itself never writes. Other deletes (emptied buckets, the
 * reset of a fresh start) pass freely; readers never wait.
 */
final class RollupGate implements AutoCloseable {
    private static final long WRITES = 7_001;
    private static final long CLEANUP = 7_002;

    private final DatabaseTarget rollup;
    private final Connection holder;

    private RollupGate(DatabaseTarget rollup, Connection holder) {
        this.rollup = rollup;
        this.holder = holder;
    }

    /** Installs the triggers (open gates) on the rollup tables of {@code rollup}. */
    static RollupGate install(DatabaseTarget rollup) throws SQLException {
        String schema = "\"" + rollup.schema() + "\"";
        try (Connection c = rollup.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE FUNCTION " + schema + ".test_write_gate() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN PERFORM pg_advisory_xact_lock_shared(" + WRITES + "); RETURN NULL; END $$");
            st.execute("CREATE FUNCTION " + schema + ".test_cleanup_gate() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN PERFORM pg_advisory_xact_lock_shared(" + CLEANUP + "); RETURN OLD; END $$");
            for (Granularity g : Granularity.values()) {
                st.execute("CREATE TRIGGER test_write_gate BEFORE INSERT ON " + schema + ".\"" + g.table()
                        + "\" FOR EACH STATEMENT EXECUTE FUNCTION " + schema + ".test_write_gate()");
            }
            st.execute("CREATE TRIGGER test_cleanup_gate BEFORE DELETE ON " + schema + ".\""
                    + Granularity.HOURLY.table() + "\" FOR EACH ROW WHEN (OLD.\"timestamp\" < now() - interval '30 days')"
                    + " EXECUTE FUNCTION " + schema + ".test_cleanup_gate()");
        }
        return new RollupGate(rollup, rollup.connect());
    }

    /** From now on, rollup writes wait in their transaction (returns once in-flight ones have committed). */
    void holdWrites() throws SQLException {
        lock("pg_advisory_lock", WRITES);
    }

    /** Lets the waiting and all later writes through. */
    void releaseWrites() throws SQLException {
        lock("pg_advisory_unlock", WRITES);
    }

    void holdCleanup() throws SQLException {
        lock("pg_advisory_lock", CLEANUP);
    }

    void releaseCleanup() throws SQLException {
        lock("pg_advisory_unlock", CLEANUP);
    }

    /** Connections of the job's rollup writers (application_name) waiting at the closed write gate. */
    int writersWaiting() throws SQLException {
        return waiting(WRITES, "dashboard-metrics event_metrics_%");
    }

    /** Connections waiting at the closed cleanup gate (only the retention cleaner deletes such rows). */
    int cleanupsWaiting() throws SQLException {
        return waiting(CLEANUP, "%");
    }

    private int waiting(long key, String applicationName) throws SQLException {
        try (Connection c = rollup.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = " + key
                        + " AND a.application_name LIKE '" + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void lock(String function, long key) throws SQLException {
        try (Statement st = holder.createStatement()) {
            st.execute("SELECT " + function + "(" + key + ")");
        }
    }

    /** Opens the gates (the session's advisory locks go with it); the triggers stay. */
    @Override
    public void close() throws SQLException {
        holder.close();
    }
}
