package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.JobSlot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The benchmark's source rows (its slots are awaited and dropped with {@link JobSlot}). */
final class Slots {
    private Slots() {}

    /** Live rows of the source tables now (what the state must hold one image of). */
    static long liveSourceRows(DatabaseTarget target) throws SQLException {
        String s = "\"" + DatabaseTarget.requireIdentifier(target.schema(), "schema") + "\".";
        long total = 0;
        try (Connection c = target.connect()) {
            for (String table : BenchIds.SOURCE_TABLES) {
                try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + s + "\"" + table + "\"");
                        ResultSet rs = count.executeQuery()) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
        }
        return total;
    }
}
