package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Empties the three rollup tables (and the progress row) in one transaction. Used when a job starts from a fresh
 * snapshot: rows left by the Celery task (or an earlier deployment) for buckets that have no
 * source rows any more would otherwise stay forever, since the job only writes buckets it holds.
 */
public final class RollupReset {
    private RollupReset() {}

    /** Returns the number of rows removed. */
    public static long clearAll(DatabaseTarget rollup) throws SQLException {
        long removed = 0;
        try (Connection c = rollup.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (Granularity g : Granularity.values()) {
                    removed += st.executeUpdate("DELETE FROM " + g.tableIn(rollup.schema()));
                }
                ProgressTable.reset(c, rollup.schema()); // a new lineage: no committed position to hold back for
            }
            c.commit();
        }
        return removed;
    }
}
