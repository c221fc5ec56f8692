package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.source.PreflightException;
import io.github.dashboardmetrics.source.SourcePreflight;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * The switch-over of a rebuild: replaces the contents of the live rollup tables with those of a
 * shadow schema that a second job filled from a fresh snapshot, in ONE transaction, so that
 * dashboards read either the old numbers or the rebuilt ones, never a mix. The progress row
 * ("data as of") moves with them.
 */
public final class RollupPromotion {
    /** Rows removed from and copied into the live tables. */
    public record Promoted(long removed, long copied) {}

    private RollupPromotion() {}

    public static Promoted promote(DatabaseTarget database, String fromSchema, String toSchema) throws SQLException {
        DatabaseTarget.requireIdentifier(fromSchema, "--from-schema");
        DatabaseTarget.requireIdentifier(toSchema, "--to-schema");
        if (fromSchema.equals(toSchema)) {
            throw new IllegalArgumentException("--from-schema and --to-schema are the same: " + fromSchema);
        }
        long removed = 0;
        long copied = 0;
        try (Connection c = connect(database)) {
            requireRollupTables(c, database, fromSchema, "--from-schema");
            requireRollupTables(c, database, toSchema, "--to-schema");
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (Granularity g : Granularity.values()) {
                    String live = g.tableIn(toSchema);
                    String shadow = g.tableIn(fromSchema);
                    // Readers keep seeing the old rows until commit; writers wait for it.
                    st.execute("LOCK TABLE " + live + " IN EXCLUSIVE MODE");
                    removed += st.executeUpdate("DELETE FROM " + live);
                    copied += st.executeUpdate("INSERT INTO " + live + " (id, created_at, modified_at, \""
                            + g.bucketColumn() + "\", metric_name, metric_type, metric_value, metric_count, project, tag,"
                            + " organization_id) SELECT id, created_at, modified_at, \"" + g.bucketColumn()
                            + "\", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id FROM "
                            + shadow);
                }
                promoteProgress(c, fromSchema, toSchema);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        return new Promoted(removed, copied);
    }

    /** A connection, or a refusal (exit 2, one line) naming the database. */
    private static Connection connect(DatabaseTarget database) {
        try {
            return database.connect();
        } catch (SQLException e) {
            throw new PreflightException("cannot use database " + database.jdbcUrl() + " as " + database.user() + ": "
                    + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim(), e);
        }
    }

    /** Refuses (exit 2, one line) a schema without the three rollup tables, before anything is locked. */
    private static void requireRollupTables(Connection c, DatabaseTarget database, String schema, String option)
            throws SQLException {
        Set<String> tables = SourcePreflight.tablesIn(c, schema);
        for (Granularity g : Granularity.values()) {
            if (!tables.contains(g.table())) {
                throw new PreflightException(option + " " + schema + ": rollup table " + schema + "." + g.table()
                        + " is missing in " + database.jdbcUrl()
                        + " (deploy/postgres/04-rebuild-shadow-tables.sql creates the shadow schema unstract_rebuild)");
            }
        }
    }

    /**
     * The live "as of" row becomes the shadow's, in the same transaction: it describes the rows
     * just copied (when the shadow schema has no progress table, the live row is removed).
     */
    private static void promoteProgress(Connection c, String fromSchema, String toSchema) throws SQLException {
        try (Statement st = c.createStatement()) {
            ProgressTable.reset(c, toSchema);
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + ProgressTable.qualified(fromSchema)
                    + "') IS NOT NULL AND to_regclass('" + ProgressTable.qualified(toSchema) + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
            String columns = String.join(", ", ProgressTable.COLUMNS);
            st.executeUpdate("INSERT INTO " + ProgressTable.qualified(toSchema) + " (" + columns + ") SELECT " + columns
                    + " FROM " + ProgressTable.qualified(fromSchema));
        }
    }
}
