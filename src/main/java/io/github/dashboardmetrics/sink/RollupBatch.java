package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rollup rows waiting to be written, at most one per rollup row (organisation, metric, bucket).
 * Every row carries absolute values, so a newer row for a key simply replaces the older one:
 * writing only the last is the same as writing both in order. The replaced row's source commit
 * time is kept when it is newer, so the freshness of the write still covers both.
 */
final class RollupBatch {
    private record Key(Granularity granularity, long orgId, String metricName, long bucketStart) {}

    private final Map<Key, RollupRow> rows = new LinkedHashMap<>();

    /** Adds {@code row}, replacing a waiting row of the same key. Does not modify {@code row}. */
    void add(RollupRow row) {
        Key key = new Key(row.granularity, row.orgId, row.metricName, row.bucketStart);
        RollupRow previous = rows.get(key);
        if (previous != null && previous.sourceTsMs > row.sourceTsMs) {
            row = new RollupRow(row.granularity, row.orgId, row.metricName, row.metricType, row.bucketStart, row.value,
                    row.count, previous.sourceTsMs);
        }
        rows.put(key, row);
    }

    int size() {
        return rows.size();
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The waiting rows, in the order their keys were first added, and empties the batch. */
    List<RollupRow> drain() {
        List<RollupRow> drained = new ArrayList<>(rows.values());
        rows.clear();
        return drained;
    }
}
