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

    /** The first column of the first row {@code sql} returns, as text. */
    static String stringValue(DatabaseTarget target, String sql) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * A daily rollup row no source row supports, {@code daysAgo} days back, for the smallest
     * organisation id: what the Celery task or a rule since changed leaves behind, and only a
     * rebuild or promote removes.
     */
    static void insertStaleDailyRow(DatabaseTarget rollups, int daysAgo) throws Exception {
        execute(rollups, "INSERT INTO event_metrics_daily (id, created_at, modified_at, \"date\", metric_name,"
                + " metric_type, metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(),"
                + " now(), now(), current_date - " + daysAgo + ", 'challenges', 'counter', 0, 1, 'default', '',"
                + " (SELECT min(id) FROM organization)) ON CONFLICT DO NOTHING");
    }
}
