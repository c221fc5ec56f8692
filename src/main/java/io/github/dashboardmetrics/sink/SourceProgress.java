package io.github.dashboardmetrics.sink;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far the change stream has been read: the newest WAL position and source commit time seen,
 * a number of change events, and on Kafka the newest offset read of every topic partition.
 * Emitted by {@link SourcePositionTracker} at every checkpoint barrier (then {@code changes}
 * counts the events since the previous barrier) and kept by the {@link RollupCommitter} (then it
 * is the running total).
 */
public class SourceProgress {
    /** Newest WAL position (Debezium source.lsn) seen, -1 when none had one. */
    public long lsn = -1;
    /** Newest source commit time (epoch millis) seen, 0 when unknown. */
    public long sourceTsMs;
    /** Change events: since the previous barrier (from a tracker), or in total (the committer's). */
    public long changes;
    /**
     * On Kafka, the newest offset read of each partition, as JSON ({@code {"topic/partition":
     * offset, ...}}, sorted by partition); null for the direct source. Text rather than a map, for
     * Flink's POJO serializer (a map field would fall back to Kryo). Added to state layout v2 without
     * a new version: a restored position without it reads as null (the POJO serializer adds fields).
     */
    public String offsets;

    public SourceProgress() {}

    public SourceProgress(long lsn, long sourceTsMs, long changes) {
        this(lsn, sourceTsMs, changes, null);
    }

    public SourceProgress(long lsn, long sourceTsMs, long changes, Map<String, Long> offsets) {
        this.lsn = lsn;
        this.sourceTsMs = sourceTsMs;
        this.changes = changes;
        this.offsets = offsetsJson(offsets);
    }

    /** This total advanced by {@code step} (a tracker's emission): newest position and offsets, summed changes. */
    public SourceProgress plus(SourceProgress step) {
        Map<String, Long> merged = offsetMap();
        step.offsetMap().forEach((partition, offset) -> merged.merge(partition, offset, Math::max));
        return new SourceProgress(Math.max(lsn, step.lsn), Math.max(sourceTsMs, step.sourceTsMs), changes + step.changes,
                merged);
    }

    /** The offsets by partition ({@code topic/partition}), sorted; empty for the direct source. */
    public Map<String, Long> offsetMap() {
        Map<String, Long> map = new TreeMap<>();
        if (offsets != null) {
            Matcher m = OFFSET.matcher(offsets);
            while (m.find()) {
                map.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return map;
    }

    /** One entry of {@link #offsets}; topic names are [a-zA-Z0-9._-], nothing in them needs escaping. */
    private static final Pattern OFFSET = Pattern.compile("\"([^\"]+)\": (-?\\d+)");

    private static String offsetsJson(Map<String, Long> offsets) {
        if (offsets == null || offsets.isEmpty()) {
            return null;
        }
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Long> e : new TreeMap<>(offsets).entrySet()) {
            if (json.length() > 1) {
                json.append(", ");
            }
            json.append('"').append(e.getKey()).append("\": ").append(e.getValue());
        }
        return json.append('}').toString();
    }

    /**
     * Whether this position is at least {@code otherLsn}, by WAL position only. Change counts are
     * not positions: a replay after a restore may deliver a different number of events for the
     * same stretch of WAL (Flink CDC re-reads snapshot chunks, filters what a chunk already holds).
     * Without a WAL position on either side (snapshot reads carry 0; a stream resumed in the
     * middle of a snapshot may carry none) nothing can be compared, and the answer is yes: holding
     * commits back on a position that cannot be known could freeze the tables for good.
     */
    public boolean reaches(long otherLsn) {
        return lsn <= 0 || otherLsn <= 0 || lsn >= otherLsn;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceProgress p && p.lsn == lsn && p.sourceTsMs == sourceTsMs && p.changes == changes
                && Objects.equals(p.offsets, offsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(lsn, sourceTsMs, changes, offsets);
    }

    @Override
    public String toString() {
        return "SourceProgress{lsn=" + ProgressTable.lsnText(lsn) + ", sourceTs=" + java.time.Instant.ofEpochMilli(sourceTsMs)
                + ", changes=" + changes + (offsets == null ? "" : ", offsets=" + offsets) + "}";
    }
}
