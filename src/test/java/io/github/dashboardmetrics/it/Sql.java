package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** One SQL statement on a database the test writes to, in a connection of its own. */
final class Sql {
    private Sql() {}

    /** Runs {@code sql} in autocommit. */
    static void execute(DatabaseTarget target, String sql) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute(sql);
        }
    }

    /** The first column of the first row {@code sql} returns, as a long. */
    static long longValue(DatabaseTarget target, String sql) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
