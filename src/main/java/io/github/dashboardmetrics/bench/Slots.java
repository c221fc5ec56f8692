package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Replication slots of the benchmark: dropped once their reader is gone, so no slot keeps WAL. */
final class Slots {
    private Slots() {}

    /** Drops {@code slot} once no process streams it (at most {@code timeoutMs}); a missing slot is fine. */
    static void dropWhenInactive(DatabaseTarget target, String slot, long timeoutMs) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try (Connection c = target.connect();
                PreparedStatement active = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?");
                PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            active.setString(1, slot);
            while (true) {
                try (ResultSet rs = active.executeQuery()) {
                    if (!rs.next()) {
                        return;
                    }
                    if (!rs.getBoolean(1)) {
                        break;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("replication slot " + slot + " still in use after " + timeoutMs + " ms");
                }
                Thread.sleep(200);
            }
            drop.setString(1, slot);
            drop.execute();
        }
    }

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
