package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One comparison of the recomputation with the rollup tables, in the tiers it read: the rows on
 * each side, and the differences by rollup row (a row can differ in value and count at once).
 */
record Comparison(Map<Granularity, Integer> expectedRows, Map<Granularity, Integer> actualRows,
        SortedMap<RollupKey, List<Difference>> differing) {

    static Comparison of(Map<Granularity, List<RollupEntry>> expected, Map<Granularity, List<RollupEntry>> actual) {
        Map<Granularity, Integer> expectedRows = new EnumMap<>(Granularity.class);
        Map<Granularity, Integer> actualRows = new EnumMap<>(Granularity.class);
        SortedMap<RollupKey, List<Difference>> differing = new TreeMap<>();
        for (Granularity g : expected.keySet()) {
            expectedRows.put(g, expected.get(g).size());
            actualRows.put(g, actual.get(g).size());
            for (Difference d : RollupDiff.diff(expected.get(g), actual.get(g))) {
                differing.computeIfAbsent(d.key(), key -> new ArrayList<>()).add(d);
            }
        }
        return new Comparison(expectedRows, actualRows, differing);
    }

    /** Of {@code keys}, those that differ here, with the differences of this comparison. */
    SortedMap<RollupKey, List<Difference>> stillDiffering(Set<RollupKey> keys) {
        SortedMap<RollupKey, List<Difference>> still = new TreeMap<>(differing);
        still.keySet().retainAll(keys);
        return still;
    }

    /** The same rows compared, with only these differences left. */
    Comparison withDifferences(SortedMap<RollupKey, List<Difference>> left) {
        return new Comparison(expectedRows, actualRows, left);
    }

    /** What the recomputation expects of a row, from its differences ({@code null}: no row, an EXTRA one). */
    static RollupValue expected(List<Difference> differences) {
        return differences.get(0).expected(); // every difference of one row carries the same two values
    }

    /** The differences in tier {@code g}, ordered by row, then kind. */
    List<Difference> differences(Granularity g) {
        return differing.values().stream().flatMap(List::stream).filter(d -> d.key().granularity() == g).toList();
    }
}
