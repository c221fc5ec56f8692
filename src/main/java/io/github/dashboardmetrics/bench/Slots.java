package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.JobSlot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Replication slots of the benchmark (dropped with {@link JobSlot#dropWhenInactive} once their reader is gone). */
final class Slots {
    private Slots() {}

    /** Waits until no process streams {@code slot} (the reader of a cancelled job has let go). */
    static void awaitInactive(DatabaseTarget target, String slot, long timeoutMs) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try (Connection c = target.connect();
                PreparedStatement active = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            active.setString(1, slot);
            while (System.currentTimeMillis() < deadline) {
                try (ResultSet rs = active.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return;
                    }
                }
                Thread.sleep(200);
            }
        }
    }

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
