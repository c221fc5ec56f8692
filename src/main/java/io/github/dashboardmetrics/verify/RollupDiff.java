package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.verify.Difference.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Compares the expected rows of one table with the rows actually in it. */
final class RollupDiff {
    /** Spec: values compare with a relative tolerance of 1e-9. */
    static final double RELATIVE_TOLERANCE = 1e-9;
    /** Below this both values count as zero: sums with retractions leave float dust behind. */
    static final double ZERO = 1e-12;

    private RollupDiff() {}

    /**
     * All differences, ordered by key. An actual row matches at most one expected row, so a
     * duplicate of a row (possible only with a NULL organization_id, which the unique key does not
     * catch) is reported as EXTRA. A row with metric_count <= 0 never matches a correct count,
     * since every expected row has count > 0.
     */
    static List<Difference> diff(List<RollupEntry> expectedRows, List<RollupEntry> actualRows) {
        SortedMap<RollupKey, RollupValue> unmatched = new TreeMap<>();
        expectedRows.forEach(row -> unmatched.put(row.key(), row.value()));
        List<Difference> differences = new ArrayList<>();
        for (RollupEntry actual : actualRows) {
            RollupValue expected = unmatched.remove(actual.key());
            if (expected == null) {
                differences.add(new Difference(Kind.EXTRA, actual.key(), null, actual.value()));
            } else {
                compare(actual.key(), expected, actual.value(), differences);
            }
        }
        unmatched.forEach((key, expected) -> differences.add(new Difference(Kind.MISSING, key, expected, null)));
        differences.sort(Comparator.comparing(Difference::key).thenComparing(Difference::kind));
        return differences;
    }

    private static void compare(RollupKey key, RollupValue expected, RollupValue actual, List<Difference> out) {
        if (!expected.metricType().equals(actual.metricType())) {
            out.add(new Difference(Kind.WRONG_TYPE, key, expected, actual));
        }
        if (!sameValue(expected.metricValue(), actual.metricValue())) {
            out.add(new Difference(Kind.WRONG_VALUE, key, expected, actual));
        }
        if (expected.metricCount() != actual.metricCount()) {
            out.add(new Difference(Kind.WRONG_COUNT, key, expected, actual));
        }
    }

    /** |a - e| <= 1e-9 * max(|a|, |e|), or both (near) zero. NaN is never equal. */
    static boolean sameValue(double expected, double actual) {
        if (Math.abs(expected) < ZERO && Math.abs(actual) < ZERO) {
            return true;
        }
        return Math.abs(actual - expected) <= RELATIVE_TOLERANCE * Math.max(Math.abs(actual), Math.abs(expected));
    }
}
