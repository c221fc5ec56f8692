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
 * compares them with what the tables hold. Both sides are fetched and compared here. In one
 * database (the same URL and role, as usual) both are read in ONE REPEATABLE READ snapshot;
 * across databases each side in one of its own, the rollups after the recomputation. Either way
 * the three tiers of a side are consistent with each other, and the comparison is meaningful
 * when the job has caught up with the source as of that snapshot.
 */
public final class RollupVerifier {
    private RollupVerifier() {}

    public static VerifyReport verify(DatabaseTarget source, DatabaseTarget rollup, VerifyScope scope)
            throws SQLException {
        Map<Granularity, BucketWindow> windows = windows(scope);
        List<String> notes = new ArrayList<>();
        Map<Granularity, List<RollupEntry>> expected;
        try (Connection c = inContext(recomputing(source), () -> openSnapshot(source))) {
            expected = inContext(recomputing(source), () -> recompute(c, source, scope, windows, notes));
            if (sameDatabase(source, rollup)) {
                // Both sides in ONE snapshot: under traffic the comparison then differs only by what
                // the job had not committed at that moment (a checkpoint interval and one commit),
                // not by every change committed while the recomputation ran, which at millions of
                // source rows takes tens of seconds.
                return report(scope, windows, expected,
                        inContext(readingRollups(rollup), () -> readActual(c, rollup, scope, windows)), notes);
            }
        }
        return compare(rollup, scope, expected, notes);
    }

    /**
     * Compares given expected rows (for instance a backfill's recomputation) with the rollup
     * tables, inside the scope's windows. Expected rows outside the windows are left out.
     */
    public static VerifyReport compare(DatabaseTarget rollup, VerifyScope scope,
            Map<Granularity, List<RollupEntry>> expectedRows, List<String> notes) throws SQLException {
        Map<Granularity, BucketWindow> windows = windows(scope);
        Map<Granularity, List<RollupEntry>> expected = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            BucketWindow window = windows.get(g);
            expected.put(g, expectedRows.getOrDefault(g, List.of()).stream()
                    .filter(e -> window.contains(e.key().bucket()))
                    .filter(e -> scope.orgId() == null || scope.orgId().equals(e.key().organizationId()))
                    .toList());
        }
        try (Connection c = openSnapshot(rollup)) {
            return report(scope, windows, expected, readActual(c, rollup, scope, windows), notes);
        } catch (SQLException e) {
            throw withContext(readingRollups(rollup), e);
        }
    }

    private static Map<Granularity, BucketWindow> windows(VerifyScope scope) {
        Map<Granularity, BucketWindow> windows = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            windows.put(g, scope.window(g));
        }
        return windows;
    }

    /** Source and rollup tables in one database, reachable as one role: one snapshot can read both. */
    static boolean sameDatabase(DatabaseTarget source, DatabaseTarget rollup) {
        return source.jdbcUrl().equals(rollup.jdbcUrl()) && source.user().equals(rollup.user());
    }

    /** The rows the source tables in {@code c}'s snapshot call for, tier by tier. */
    private static Map<Granularity, List<RollupEntry>> recompute(Connection c, DatabaseTarget source, VerifyScope scope,
            Map<Granularity, BucketWindow> windows, List<String> notes) throws SQLException {
        ExpectedRollups recomputation = ExpectedRollups.inspect(c, source.schema());
        if (!recomputation.metrics().containsAll(MetricFacts.HITL_QUEUE_METRICS)) {
            notes.add("no table " + source.schema() + ".hitl_queue: " + Metric.HITL_REVIEWS.metricName() + " and "
                    + Metric.HITL_COMPLETIONS.metricName() + " are expected nowhere");
        }
        Map<Granularity, List<RollupEntry>> expected = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            expected.put(g, recomputation.compute(c, g, windows.get(g), scope.orgId()));
        }
        return expected;
    }

    /** The rows the rollup tables in {@code c}'s snapshot hold, tier by tier. */
    private static Map<Granularity, List<RollupEntry>> readActual(Connection c, DatabaseTarget rollup, VerifyScope scope,
            Map<Granularity, BucketWindow> windows) throws SQLException {
        Map<Granularity, List<RollupEntry>> actual = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            actual.put(g, ActualRollups.read(c, rollup.schema(), g, windows.get(g), scope.orgId()));
        }
        return actual;
    }

    private static VerifyReport report(VerifyScope scope, Map<Granularity, BucketWindow> windows,
            Map<Granularity, List<RollupEntry>> expected, Map<Granularity, List<RollupEntry>> actual, List<String> notes) {
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

    /** A step that reads the database. */
    private interface SqlStep<T> {
        T run() throws SQLException;
    }

    /** Runs {@code step}; its SQLException says which database failed, and at what ({@code what}). */
    private static <T> T inContext(String what, SqlStep<T> step) throws SQLException {
        try {
            return step.run();
        } catch (SQLException e) {
            throw withContext(what, e);
        }
    }

    private static String recomputing(DatabaseTarget source) {
        return "recomputing from the source tables in " + describe(source);
    }

    private static String readingRollups(DatabaseTarget rollup) {
        return "reading the rollup tables in " + describe(rollup);
    }

    private static String describe(DatabaseTarget target) {
        return target.jdbcUrl() + " schema " + target.schema();
    }

    /** Says which database failed: the driver's message alone does not. */
    private static SQLException withContext(String what, SQLException e) {
        return new SQLException(what + ": " + e.getMessage(), e.getSQLState(), e);
    }
}
