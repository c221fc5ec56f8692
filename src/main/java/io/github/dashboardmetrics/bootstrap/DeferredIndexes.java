package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.source.PreflightException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bootstrap --defer-indexes}: the rollup tables' secondary indexes dropped before the
 * bootstrap writes its rows into them and built again before its commit, in its one transaction.
 * PostgreSQL spends about 3 s of one core per million rows on each index it maintains row by row
 * (eleven on {@code event_metrics_hourly}), and builds one from a table's rows in a fraction of
 * that. Only for tables that are empty and that nobody reads until the bootstrap ends (a new
 * shadow schema): the drop locks each table against readers until the commit.
 *
 * <p>DDL is transactional in PostgreSQL, so a bootstrap that fails or is killed leaves the
 * indexes as they were: the drop rolls back with its rows. The primary key and the unique key the
 * upsert needs (every index behind a constraint) are kept. Each index is built again from its own
 * definition ({@code pg_get_indexdef}), with its tablespace and comment.
 */
final class DeferredIndexes {
    /** One index dropped: its name (schema-qualified) and what builds it again. */
    record Dropped(String qualifiedName, List<String> rebuild) {}

    private final List<Dropped> dropped;

    private DeferredIndexes(List<Dropped> dropped) {
        this.dropped = dropped;
    }

    /**
     * Refuses up front, before the bulk read, what {@link #drop} and {@link #rebuild} would fail on
     * after it: a rollup table that holds rows, or that the rollup role does not own (only an owner
     * may drop its indexes), or a schema the role may not create in (a new index is a new relation
     * of the schema).
     */
    static void requireEmptyOwnedTables(DatabaseTarget rollup) {
        try (Connection c = rollup.connect()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT has_schema_privilege(current_user, ?, 'CREATE')")) {
                ps.setString(1, rollup.schema());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new PreflightException("--defer-indexes: " + rollup.user() + " may not create in schema "
                                + rollup.schema() + ", which building the rollup tables' indexes again needs; GRANT CREATE ON"
                                + " SCHEMA " + rollup.schema() + " TO " + rollup.user() + "; or leave --defer-indexes out");
                    }
                }
            }
            for (Granularity g : Granularity.values()) {
                String table = g.tableIn(rollup.schema());
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(current_user, c.relowner, 'USAGE'),"
                        + " pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = ?::regclass")) {
                    ps.setString(1, table);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new PreflightException("--defer-indexes: " + table + " belongs to " + rs.getString(2)
                                    + ", and only its owner may drop and build its indexes; give the shadow tables to the"
                                    + " rollup role (ALTER TABLE " + table + " OWNER TO " + rollup.user()
                                    + ";) or leave --defer-indexes out");
                        }
                    }
                }
                if (holdsRows(c, table)) {
                    throw new PreflightException("--defer-indexes: " + table + " holds rows; it is only for empty tables that"
                            + " nobody reads until the bootstrap ends (a new shadow schema); leave it out here");
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check the rollup tables for --defer-indexes in " + rollup.jdbcUrl() + " as "
                    + rollup.user() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Locks each rollup table of {@code schema} against every other session (until the commit),
     * checks it is still empty, and drops its indexes that no constraint stands behind. In the
     * transaction of {@code c}.
     */
    static DeferredIndexes drop(Connection c, String schema) throws SQLException {
        List<Dropped> dropped = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                String table = g.tableIn(schema);
                try {
                    st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                } catch (SQLException e) {
                    throw new SQLException("--defer-indexes: could not lock " + table + " (another session uses it; the wait"
                            + " is bounded by --db-lock-timeout-s): " + e.getMessage(), e.getSQLState(), e);
                }
                if (holdsRows(c, table)) {
                    throw new SQLException(table + " received rows while the bootstrap read (it was empty at its start):"
                            + " --defer-indexes is only for tables nobody else writes");
                }
                dropped.addAll(secondaryIndexes(c, table));
            }
            for (Dropped index : dropped) {
                st.execute("DROP INDEX " + index.qualifiedName());
            }
        }
        return new DeferredIndexes(dropped);
    }

    /** How many indexes were dropped, and will be built again. */
    int count() {
        return dropped.size();
    }

    /** Builds every dropped index again, in the same transaction, before its commit. */
    void rebuild(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (Dropped index : dropped) {
                for (String sql : index.rebuild()) {
                    st.execute(sql);
                }
            }
        }
    }

    /** The table's indexes with no constraint behind them, in name order, with what builds each again. */
    static List<Dropped> secondaryIndexes(Connection c, String table) throws SQLException {
        List<Dropped> indexes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname),"
                + " pg_get_indexdef(x.indexrelid), t.spcname, obj_description(x.indexrelid, 'pg_class')"
                + " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
                + " LEFT JOIN pg_tablespace t ON t.oid = i.reltablespace"
                + " WHERE x.indrelid = ?::regclass"
                + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)"
                + " ORDER BY i.relname")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    List<String> rebuild = new ArrayList<>();
                    rebuild.add(rs.getString(2) + (rs.getString(3) == null ? "" : " TABLESPACE " + quoteIdent(rs.getString(3))));
                    if (rs.getString(4) != null) {
                        rebuild.add("COMMENT ON INDEX " + name + " IS " + quoteLiteral(rs.getString(4)));
                    }
                    indexes.add(new Dropped(name, List.copyOf(rebuild)));
                }
            }
        }
        return indexes;
    }

    private static boolean holdsRows(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + table + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String quoteIdent(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String quoteLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
