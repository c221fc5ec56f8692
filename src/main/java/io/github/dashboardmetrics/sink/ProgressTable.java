package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.PreflightException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * The "as of" row beside the rollup tables: {@code dashboard_metrics_progress} holds one row,
 * written by the {@link RollupCommitter} in the same transaction as the rollup rows. Whatever a
 * reader reads in one transaction (the rows and this row) is the exact rollup of the source as of
 * {@code source_lsn}; {@code source_committed_at} is the commit time of the newest source change
 * it reflects ("data as of"), {@code committed_at} when the job committed it.
 */
public final class ProgressTable {
    public static final String TABLE = "dashboard_metrics_progress";

    /** Its columns, which the job writes. */
    public static final List<String> COLUMNS = List.of(
            "id", "source_lsn", "changes_reflected", "source_committed_at", "committed_at", "checkpoint_id",
            "source_offsets");

    private ProgressTable() {}

    /** The committed position as the committer compares it: LSN, then changes reflected. */
    public record Committed(long lsn, long changes, long sourceTsMs) {}

    /** The DDL, for the job to run or for an administrator to run for it (docs, deploy/postgres). */
    public static String createStatement(String schema) {
        return "CREATE TABLE IF NOT EXISTS " + qualified(schema) + " (\n"
                + "    id                  smallint PRIMARY KEY CHECK (id = 1), -- one row\n"
                + "    source_lsn          pg_lsn,      -- WAL position the rollups reflect (newest change read)\n"
                + "    changes_reflected   bigint NOT NULL, -- change events read up to there (orders commits at one LSN)\n"
                + "    source_committed_at timestamptz, -- source commit time of the newest change reflected: \"data as of\"\n"
                + "    committed_at        timestamptz NOT NULL, -- when the job committed this state\n"
                + "    checkpoint_id       bigint NOT NULL, -- the job's checkpoint whose state this is\n"
                + "    source_offsets      jsonb -- --source kafka: newest offset read per partition, {\"topic/partition\": offset}\n"
                + ")";
    }

    /** Adds the column a table created before it lacks (source_offsets came after the table). */
    static String upgradeStatement(String schema) {
        return "ALTER TABLE " + qualified(schema) + " ADD COLUMN IF NOT EXISTS source_offsets jsonb";
    }

    /** Creates the table when it is missing; throws when this role may not. */
    public static void ensure(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(createStatement(schema));
        }
    }

    /**
     * The preflight's part: creates the table when it is missing (or says what an administrator
     * must run), and checks that this role may write it.
     */
    public static void prepare(Connection c, DatabaseTarget rollup, boolean exists) {
        String name = rollup.schema() + "." + TABLE;
        try {
            if (!exists) {
                try {
                    ensure(c, rollup.schema());
                } catch (SQLException e) {
                    throw new PreflightException("the progress table " + name + " is missing and " + rollup.user()
                            + " cannot create it (" + e.getMessage().split("\n", 2)[0] + "); have an administrator run:\n"
                            + adminStatements(rollup.schema(), rollup.user()), e);
                }
            } else if (!hasOffsetsColumn(c, rollup.schema())) {
                try (Statement s = c.createStatement()) {
                    s.execute(upgradeStatement(rollup.schema()));
                } catch (SQLException e) {
                    throw new PreflightException("the progress table " + name + " has no column source_offsets and "
                            + rollup.user() + " cannot add it (" + e.getMessage().split("\n", 2)[0]
                            + "); have an administrator run:\n" + upgradeStatement(rollup.schema()) + ";", e);
                }
            }
            // Several privileges in one call mean "any of them": ask for each.
            try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, 'SELECT')"
                    + " AND has_table_privilege(?, 'INSERT') AND has_table_privilege(?, 'UPDATE')"
                    + " AND has_table_privilege(?, 'DELETE')")) {
                for (int i = 1; i <= 4; i++) {
                    ps.setString(i, qualified(rollup.schema()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new PreflightException(rollup.user() + " may not write the progress table " + name
                                + "; have an administrator run:\n" + adminStatements(rollup.schema(), rollup.user()));
                    }
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check the progress table " + name + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasOffsetsColumn(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND column_name = 'source_offsets'")) {
            ps.setString(1, schema);
            ps.setString(2, TABLE);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** What an administrator runs when the job's role may not create the table itself. */
    public static String adminStatements(String schema, String user) {
        return createStatement(schema) + ";\nGRANT SELECT, INSERT, UPDATE, DELETE ON " + schema + "." + TABLE + " TO "
                + user + ";";
    }

    /** The committed position, or empty when nothing was committed yet (or the row was reset). */
    public static Optional<Committed> read(DatabaseTarget target) throws SQLException {
        try (Connection c = target.connect()) {
            return read(c, target.schema());
        }
    }

    static Optional<Committed> read(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce((source_lsn - '0/0'::pg_lsn)::bigint, -1),"
                + " changes_reflected, coalesce((extract(epoch FROM source_committed_at) * 1000)::bigint, 0)"
                + " FROM " + qualified(schema) + " WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new Committed(rs.getLong(1), rs.getLong(2), rs.getLong(3))) : Optional.empty();
        }
    }

    /** Deletes the row (a fresh start after the rollup tables were emptied); nothing when the table is absent. */
    public static void reset(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, qualified(schema));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + qualified(schema));
        }
    }

    /** An LSN as PostgreSQL writes it ({@code 16/B374D848}); null for an unknown one (negative). */
    public static String lsnText(long lsn) {
        return lsn < 0 ? null : Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }

    static String qualified(String schema) {
        DatabaseTarget.requireIdentifier(schema, "schema");
        return "\"" + schema + "\".\"" + TABLE + "\"";
    }
}
