package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * Checks the exactness contract: recomputes the three rollup tables from the source tables and
 * compares them with what the tables hold. Both sides are fetched and compared here. In one
 * database (the same URL and role, as usual) both are read in ONE REPEATABLE READ snapshot;
 * across databases each side in one of its own, the rollups after the recomputation. Either way
 * the three tiers of a side are consistent with each other, and the comparison is meaningful
 * when the job has caught up with the source as of that snapshot. With a {@link Recheck}, the rows
 * that differ are compared again in later snapshots, so that what the job had not yet committed at
 * the first comparison is not reported while changes keep coming.
 */
public final class RollupVerifier {
    private RollupVerifier() {}

    /** One comparison; its differences are the report (no {@link Recheck}). */
    public static VerifyReport verify(DatabaseTarget source, DatabaseTarget rollup, VerifyScope scope)
            throws SQLException {
        Map<Granularity, BucketWindow> windows = windows(scope);
        List<String> notes = new ArrayList<>();
        return report(scope, windows, firstComparison(source, rollup, scope, windows, notes), notes);
    }

    /**
     * One comparison, then, when it finds differences, rechecks of the rows that differed
     * ({@link Recheck}): the report holds the rows that differed at every comparison, with the
     * values of the last one.
     */
    public static VerifyReport verify(DatabaseTarget source, DatabaseTarget rollup, VerifyScope scope, Recheck recheck)
            throws SQLException, InterruptedException {
        Map<Granularity, BucketWindow> windows = windows(scope);
        List<String> notes = new ArrayList<>();
        Comparison first = firstComparison(source, rollup, scope, windows, notes);
        if (recheck.within().isZero() || first.differing().isEmpty()) {
            return report(scope, windows, first, notes);
        }
        int differedFirst = first.differing().size();
        recheck.progress().accept(differedFirst + " rollup rows differ; comparing them again every "
                + recheck.every().toMillis() + " ms for up to " + recheck.within().toSeconds()
                + " s (what the job had not yet committed agrees within seconds)");
        long startedNanos = System.nanoTime();
        SortedMap<RollupKey, List<Difference>> differing = first.differing();
        int rechecks = 0;
        do {
            Thread.sleep(recheck.every().toMillis());
            Comparison again = compareOnce(source, rollup, narrowed(differing.keySet()), orgOf(differing.keySet(), scope),
                    new ArrayList<>());
            differing = again.stillDiffering(differing.keySet());
            rechecks++;
            recheck.progress().accept("recheck " + rechecks + ": " + differing.size() + " of " + differedFirst
                    + " rollup rows still differ");
        } while (!differing.isEmpty()
                && Duration.ofNanos(System.nanoTime() - startedNanos).plus(recheck.every()).compareTo(recheck.within()) <= 0);
        String over = rechecks + (rechecks == 1 ? " recheck" : " rechecks") + " in "
                + Duration.ofNanos(System.nanoTime() - startedNanos).toMillis() + " ms";
        if (differing.size() < differedFirst) {
            notes.add((differedFirst - differing.size()) + " of the " + differedFirst
                    + " rollup rows that differed at the first comparison agreed at a recheck (" + over
                    + "), as changes the job had not yet committed do; the row counts below are the first comparison's");
        }
        if (!differing.isEmpty()) {
            SortedMap<RollupKey, List<Difference>> last = differing;
            long changing = last.keySet().stream()
                    .filter(key -> !Objects.equals(Comparison.expected(first.differing().get(key)),
                            Comparison.expected(last.get(key))))
                    .count();
            notes.add(differing.size() + " rollup rows differed at every recheck (" + over + ")" + (changing == 0 ? ""
                    : "; " + changing + " of them changed at the source meanwhile, still receiving changes: run verify"
                            + " again, or with a longer --recheck-s, to tell a lag from a wrong row"));
        }
        return report(scope, windows, first.withDifferences(differing), notes);
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
        return report(scope, windows, Comparison.of(expected, readRollups(rollup, windows, scope.orgId())), notes);
    }

    /** The comparison of the whole scope, with the notes on the scope itself (rechecks add none). */
    private static Comparison firstComparison(DatabaseTarget source, DatabaseTarget rollup, VerifyScope scope,
            Map<Granularity, BucketWindow> windows, List<String> notes) throws SQLException {
        unknownOrganisation(source, scope.orgId()).ifPresent(notes::add);
        return compareOnce(source, rollup, windows, scope.orgId(), notes);
    }

    /**
     * Both sides of one comparison in the given windows, and how they differ. In one database (the
     * same URL and role, as usual) both are read in ONE snapshot: under traffic the comparison then
     * differs only by what the job had not committed at that moment (a checkpoint interval and one
     * commit), not by every change committed while the recomputation ran, which at millions of
     * source rows takes tens of seconds. Across databases the rollups are read after the recomputation.
     */
    private static Comparison compareOnce(DatabaseTarget source, DatabaseTarget rollup, Map<Granularity, BucketWindow> windows,
            Long orgId, List<String> notes) throws SQLException {
        Map<Granularity, List<RollupEntry>> expected;
        try (Connection c = inContext(recomputing(source), () -> openSnapshot(source))) {
            expected = inContext(recomputing(source), () -> recompute(c, source, windows, orgId, notes));
            if (sameDatabase(source, rollup)) {
                return Comparison.of(expected, inContext(readingRollups(rollup), () -> readActual(c, rollup, windows, orgId)));
            }
        }
        return Comparison.of(expected, readRollups(rollup, windows, orgId));
    }

    /** The rollup tables in a snapshot of their own. */
    private static Map<Granularity, List<RollupEntry>> readRollups(DatabaseTarget rollup,
            Map<Granularity, BucketWindow> windows, Long orgId) throws SQLException {
        try (Connection c = inContext(readingRollups(rollup), () -> openSnapshot(rollup))) {
            return inContext(readingRollups(rollup), () -> readActual(c, rollup, windows, orgId));
        }
    }

    /**
     * Per tier with rows to recheck, the narrowest window holding them (a recheck recomputes and
     * reads only those tiers, and only there).
     */
    private static Map<Granularity, BucketWindow> narrowed(Set<RollupKey> keys) {
        Map<Granularity, BucketWindow> windows = new EnumMap<>(Granularity.class);
        for (RollupKey key : keys) {
            Granularity g = key.granularity();
            BucketWindow w = windows.get(g);
            Instant from = w == null || key.bucket().isBefore(w.fromInclusive()) ? key.bucket() : w.fromInclusive();
            Instant to = UtcBuckets.next(g, key.bucket());
            windows.put(g, new BucketWindow(g, from, w == null || to.isAfter(w.toExclusive()) ? to : w.toExclusive()));
        }
        return windows;
    }

    /** The one organisation of all {@code keys}, or the scope's when they are of several (or of none). */
    private static Long orgOf(Set<RollupKey> keys, VerifyScope scope) {
        Set<Long> orgs = new HashSet<>();
        keys.forEach(key -> orgs.add(key.organizationId()));
        return orgs.size() == 1 && !orgs.contains(null) ? orgs.iterator().next() : scope.orgId();
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

    /** The rows the source tables in {@code c}'s snapshot call for, in each tier of {@code windows}. */
    private static Map<Granularity, List<RollupEntry>> recompute(Connection c, DatabaseTarget source,
            Map<Granularity, BucketWindow> windows, Long orgId, List<String> notes) throws SQLException {
        ExpectedRollups recomputation = ExpectedRollups.inspect(c, source.schema());
        if (!recomputation.metrics().containsAll(MetricFacts.HITL_QUEUE_METRICS)) {
            notes.add("no table " + source.schema() + ".hitl_queue: " + Metric.HITL_REVIEWS.metricName() + " and "
                    + Metric.HITL_COMPLETIONS.metricName() + " are expected nowhere");
        }
        Map<Granularity, List<RollupEntry>> expected = new EnumMap<>(Granularity.class);
        for (Map.Entry<Granularity, BucketWindow> w : windows.entrySet()) {
            expected.put(w.getKey(), recomputation.compute(c, w.getKey(), w.getValue(), orgId));
        }
        return expected;
    }

    /**
     * A note when {@code orgId} (given) is not in the source's organization table: a mistyped
     * {@code --org} would otherwise read as EQUAL, nothing expected and nothing written.
     */
    public static Optional<String> unknownOrganisation(DatabaseTarget source, Long orgId) throws SQLException {
        if (orgId == null) {
            return Optional.empty();
        }
        return inContext(recomputing(source), () -> {
            try (Connection c = source.connect(); PreparedStatement st = c.prepareStatement(
                    "SELECT 1 FROM " + SqlNames.quoted(source.schema()) + ".organization WHERE id = ?")) {
                st.setLong(1, orgId);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.<String>empty() : Optional.of("organisation " + orgId + " is not in "
                            + source.schema() + ".organization: no rows of it are expected");
                }
            }
        });
    }

    /** The rows the rollup tables in {@code c}'s snapshot hold, in each tier of {@code windows}. */
    private static Map<Granularity, List<RollupEntry>> readActual(Connection c, DatabaseTarget rollup,
            Map<Granularity, BucketWindow> windows, Long orgId) throws SQLException {
        Map<Granularity, List<RollupEntry>> actual = new EnumMap<>(Granularity.class);
        for (Map.Entry<Granularity, BucketWindow> w : windows.entrySet()) {
            actual.put(w.getKey(), ActualRollups.read(c, rollup.schema(), w.getKey(), w.getValue(), orgId));
        }
        return actual;
    }

    private static VerifyReport report(VerifyScope scope, Map<Granularity, BucketWindow> windows, Comparison comparison,
            List<String> notes) {
        List<VerifyReport.TableResult> tables = new ArrayList<>();
        for (Granularity g : Granularity.values()) {
            tables.add(new VerifyReport.TableResult(g, windows.get(g), comparison.expectedRows().get(g),
                    comparison.actualRows().get(g), comparison.differences(g)));
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
