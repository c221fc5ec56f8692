package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.verify.BucketWindow;
import io.github.dashboardmetrics.verify.Difference;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Decides when the snapshot's rollups are exact, cheaply enough to ask every 200 ms. Before the
 * job starts (rollup tables empty), {@link RollupVerifier} recomputes every expected row: all of
 * them are MISSING, and their count and summed metric_count per table are the target. Polling
 * then compares only those two numbers per table (one small aggregate each); once they match,
 * the full {@link RollupVerifier} comparison confirms (or the polling goes on).
 */
final class SnapshotJudge {
    private record Totals(long rows, long counts) {}

    private final DatabaseTarget target;
    private final VerifyScope scope;
    private final Map<Granularity, Totals> expected = new EnumMap<>(Granularity.class);

    /** Recomputes the expected totals; the rollup tables must be empty. */
    SnapshotJudge(DatabaseTarget target) throws SQLException {
        this.target = target;
        this.scope = VerifyScope.everything(Instant.now());
        VerifyReport report = RollupVerifier.verify(target, target, scope);
        for (VerifyReport.TableResult t : report.tables()) {
            if (t.actualRows() != 0) {
                throw new IllegalStateException(t.table() + " is not empty before the snapshot");
            }
            long counts = t.differences().stream().filter(d -> d.kind() == Difference.Kind.MISSING)
                    .mapToLong(d -> d.expected().metricCount()).sum();
            expected.put(t.granularity(), new Totals(t.expectedRows(), counts));
        }
    }

    long expectedRows() {
        return expected.values().stream().mapToLong(Totals::rows).sum();
    }

    /** Rows in the three rollup tables now (progress of a snapshot: the target is {@link #expectedRows()}). */
    long actualRows() throws SQLException {
        long rows = 0;
        try (Connection c = target.connect()) {
            for (Granularity g : Granularity.values()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM \"" + target.schema() + "\"." + g.table());
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows += rs.getLong(1);
                }
            }
        }
        return rows;
    }

    /** Whether row count and summed metric_count of every table match the recomputation. */
    boolean totalsMatch() throws SQLException {
        try (Connection c = target.connect()) {
            for (Granularity g : Granularity.values()) {
                BucketWindow window = scope.window(g);
                String sql = "SELECT count(*), coalesce(sum(metric_count), 0) FROM \"" + target.schema() + "\"." + g.table()
                        + (window.fromInclusive() == null ? "" : " WHERE \"" + g.bucketColumn() + "\" >= ?");
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    if (window.fromInclusive() != null) {
                        ps.setObject(1, g.bucketParameter(window.fromInclusive().toEpochMilli()));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        Totals want = expected.get(g);
                        if (rs.getLong(1) != want.rows() || rs.getLong(2) != want.counts()) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
    }

    /** The full comparison (with the clock of now). */
    static VerifyReport verify(DatabaseTarget target) throws SQLException {
        return RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now()));
    }
}
