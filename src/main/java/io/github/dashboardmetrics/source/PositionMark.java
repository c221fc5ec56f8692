package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A mark of the job's own position in the WAL, written at the end of every rollup commit when the
 * rollup tables live in the database the job streams from: a logical decoding message
 * ({@code pg_logical_emit_message}, non-transactional, prefix {@value #MESSAGE_PREFIX}), which
 * pgoutput sends from PostgreSQL 14 on and Debezium reads as a record with a position;
 * {@link WholeUnitEmitter} moves the stream split's offset to it and emits nothing.
 *
 * <p>Why: the stream's offset moves only with what the stream reads, and pgoutput sends nothing
 * for a transaction that touches no published table. The initial snapshot's rollup commits write
 * a lot of WAL (1.5 GB for 2M source rows) that the stream then reads without a single captured
 * change, so a checkpoint taken after the snapshot still held the offset from before it: a restart
 * decoded all of that WAL again, twice (Debezium first searches its resume position, then filters
 * up to it), before the first new change, 44 s of the 55-61 s {@code restore_s} (BENCHMARKS.md,
 * "Restore, split"). With a mark in each commit the offset follows the stream through that WAL.
 *
 * <p>It needs EXECUTE on {@value #FUNCTION} for the rollup role, which PUBLIC has unless an
 * administrator revoked it; {@link SourcePreflight} refuses a role without it, with the GRANT that
 * fixes it. Rollup tables in another database write no WAL the stream reads, and get no mark.
 */
public final class PositionMark {
    public static final String MESSAGE_PREFIX = "dashboard_metrics_position";
    static final String FUNCTION = "pg_catalog.pg_logical_emit_message(boolean, text, text)";
    /** One mark: non-transactional, so it is in the stream where it was written, after the commit's rows. */
    public static final String SQL = "SELECT pg_catalog.pg_logical_emit_message(false, '" + MESSAGE_PREFIX + "', '')";

    private PositionMark() {}

    /** Only the job's own marks become records (other logical decoding messages still move Debezium's position). */
    static void configure(Properties debezium) {
        debezium.setProperty("message.prefix.include.list", MESSAGE_PREFIX);
    }

    /** Whether the rollup tables live in the source database (then the committer writes the marks). */
    public static boolean sameDatabase(DatabaseTarget source, DatabaseTarget rollup) {
        return source.host().equalsIgnoreCase(rollup.host()) && source.port() == rollup.port()
                && source.database().equals(rollup.database());
    }

    /** Refuses a rollup role that may not write the mark. */
    static void requirePrivilege(Connection c, String user) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT has_function_privilege(current_user, ?, 'EXECUTE')")) {
            ps.setString(1, FUNCTION);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new PreflightException("role " + user + " may not execute " + FUNCTION + ", with which the job"
                            + " marks its position in the WAL at every commit of the rollup tables (without it a restart"
                            + " reads again all WAL since the last captured change): GRANT EXECUTE ON FUNCTION " + FUNCTION
                            + " TO " + user);
                }
            }
        }
    }
}
