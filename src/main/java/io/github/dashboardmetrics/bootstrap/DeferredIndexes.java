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
 * {@code bootstrap --defer-indexes}: the rollup tables' indexes, their primary and unique keys
 * included, dropped before the bootstrap writes its rows into them and built again before its
 * commit, in its one transaction. PostgreSQL spends about 3 s of one core per million rows on each
 * index it maintains row by row (eleven on {@code event_metrics_hourly}), and builds one from a
 * table's rows in a fraction of that. Only for tables that are empty and that nobody reads until
 * the bootstrap ends (a new shadow schema): the drop locks each table against readers until the
 * commit.
 *
 * <p>DDL is transactional in PostgreSQL, so a bootstrap that fails or is killed leaves the
 * indexes as they were: the drop rolls back with its rows. Each key is added again from its own
 * definition ({@code pg_get_constraintdef}), each other index built from its own
 * ({@code pg_get_indexdef}), with tablespace and comment. Without the unique key the rows are
 * inserted, not upserted: the table was empty and each bucket's final row comes once; were a key
 * written twice, adding the unique key again would fail the bootstrap. Foreign keys stay: adding
 * one again would validate it under a lock on the table it references.
 */
final class DeferredIndexes {
    /** One index or key dropped: what drops it, and what builds it again. */
    record Dropped(String drop, List<String> rebuild) {}

    private final List<Dropped> dropped;

    private DeferredIndexes(List<Dropped> dropped) {
        this.dropped = dropped;
    }

    /**
     * Refuses up front, before the bulk read, what {@link #drop} and {@link #rebuild} would fail on
     * after it: a rollup table that holds rows, that the rollup role does not own (only an owner may
     * drop its indexes), or whose keys another table's foreign key references, or a schema the role
     * may not create in (a new index is a new relation of the schema).
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
                try (PreparedStatement ps = c.prepareStatement("SELECT string_agg(conname || ' of ' || conrelid::regclass, ', ')"
                        + " FROM pg_constraint WHERE contype = 'f' AND confrelid = ?::regclass AND conrelid <> confrelid")) {
                    ps.setString(1, table);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getString(1) != null) {
                            throw new PreflightException("--defer-indexes: foreign keys reference " + table + " (" + rs.getString(1)
                                    + "), so its keys cannot be dropped while the rows are written; leave --defer-indexes out");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot check the rollup tables for --defer-indexes in " + rollup.jdbcUrl() + " as "
                    + rollup.user() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Locks each rollup table of {@code schema} against every other session (until the commit),
     * checks it is still empty, and drops its indexes: the other indexes first, then the primary
     * and unique keys. In the transaction of {@code c}.
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
                dropped.addAll(keys(c, table));
            }
            for (Dropped index : dropped) {
                st.execute(index.drop());
            }
        }
        return new DeferredIndexes(dropped);
    }

    /** How many indexes (keys included) were dropped, and will be built again. */
    int count() {
        return dropped.size();
    }

    /** Builds every dropped index again, the keys first, in the same transaction, before its commit. */
    void rebuild(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (int i = dropped.size() - 1; i >= 0; i--) {
                for (String sql : dropped.get(i).rebuild()) {
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
                    String build = rs.getString(2) + (rs.getString(3) == null ? "" : " TABLESPACE " + quoteIdent(rs.getString(3)));
                    indexes.add(dropped("DROP INDEX " + name, build, "INDEX " + name, rs.getString(4)));
                }
            }
        }
        return indexes;
    }

    /** The table's primary and unique keys, in name order, with what adds each again. */
    static List<Dropped> keys(Connection c, String table) throws SQLException {
        List<Dropped> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(conname), pg_get_constraintdef(oid),"
                + " obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conrelid = ?::regclass AND contype IN ('p', 'u')"
                + " ORDER BY conname")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    keys.add(dropped("ALTER TABLE " + table + " DROP CONSTRAINT " + name,
                            "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + rs.getString(2),
                            "CONSTRAINT " + name + " ON " + table, rs.getString(3)));
                }
            }
        }
        return keys;
    }

    /**
     * What drops one index or key, and what builds it again: its definition, then its comment
     * ({@code COMMENT ON <commentOn>}) when it has one.
     */
    private static Dropped dropped(String drop, String build, String commentOn, String comment) {
        return new Dropped(drop, comment == null ? List.of(build)
                : List.of(build, "COMMENT ON " + commentOn + " IS " + quoteLiteral(comment)));
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
