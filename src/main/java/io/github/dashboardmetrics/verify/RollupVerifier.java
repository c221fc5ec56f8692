package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the exactness contract: recomputes the three rollup tables from the source tables and
 * compares them with what the tables hold. Source and rollup tables may live in different
 * databases, so both sides are fetched separately and compared here. Each side is read in one
 * REPEATABLE READ snapshot, so its three tiers are consistent with each other; the comparison is
 * only meaningful when the job has caught up with the source as of that snapshot.
 */
public final class RollupVerifier {
    private RollupVerifier() {}

    public static VerifyReport verify(DatabaseTarget source, DatabaseTarget rollup, VerifyScope scope)
            throws SQLException {
        Map<Granularity, BucketWindow> windows = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            windows.put(g, scope.window(g));
        }
        List<String> notes = new ArrayList<>();
        Map<Granularity, List<RollupEntry>> expected = new EnumMap<>(Granularity.class);
        try (Connection c = openSnapshot(source)) {
            ExpectedRollups recomputation = ExpectedRollups.inspect(c, source.schema());
            if (!recomputation.metrics().containsAll(MetricFacts.HITL_QUEUE_METRICS)) {
                notes.add("no table " + source.schema() + ".hitl_queue: " + Metric.HITL_REVIEWS.metricName() + " and "
                        + Metric.HITL_COMPLETIONS.metricName() + " are expected nowhere");
            }
            for (Granularity g : Granularity.values()) {
                expected.put(g, recomputation.compute(c, g, windows.get(g), scope.orgId()));
            }
        } catch (SQLException e) {
            throw withContext("recomputing from the source tables in " + describe(source), e);
        }
        return compare(rollup, scope, expected, notes);
    }

    /**
     * Compares given expected rows (for instance a backfill's recomputation) with the rollup
     * tables, inside the scope's windows. Expected rows outside the windows are left out.
     */
    public static VerifyReport compare(DatabaseTarget rollup, VerifyScope scope,
            Map<Granularity, List<RollupEntry>> expectedRows, List<String> notes) throws SQLException {
        Map<Granularity, BucketWindow> windows = new EnumMap<>(Granularity.class);
        Map<Granularity, List<RollupEntry>> expected = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            BucketWindow window = scope.window(g);
            windows.put(g, window);
            expected.put(g, expectedRows.getOrDefault(g, List.of()).stream()
                    .filter(e -> window.contains(e.key().bucket()))
                    .filter(e -> scope.orgId() == null || scope.orgId().equals(e.key().organizationId()))
                    .toList());
        }
        Map<Granularity, List<RollupEntry>> actual = new EnumMap<>(Granularity.class);
        try (Connection c = openSnapshot(rollup)) {
            for (Granularity g : Granularity.values()) {
                actual.put(g, ActualRollups.read(c, rollup.schema(), g, windows.get(g), scope.orgId()));
            }
        } catch (SQLException e) {
            throw withContext("reading the rollup tables in " + describe(rollup), e);
        }
        List<VerifyReport.TableResult> tables = new ArrayList<>();
        for (Granularity g : Granularity.values()) {
            tables.add(new VerifyReport.TableResult(g, windows.get(g), expected.get(g).size(), actual.get(g).size(),
                    RollupDiff.diff(expected.get(g), actual.get(g))));
        }
        return new VerifyReport(scope, tables, notes);
    }

    /** A read-only connection whose queries all see one snapshot of the database. */
    private static Connection openSnapshot(DatabaseTarget target) throws SQLException {
        Connection c = target.connect();
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    private static String describe(DatabaseTarget target) {
        return target.jdbcUrl() + " schema " + target.schema();
    }

    /** Says which database failed: the driver's message alone does not. */
    private static SQLException withContext(String what, SQLException e) {
        return new SQLException(what + ": " + e.getMessage(), e.getSQLState(), e);
    }
}
