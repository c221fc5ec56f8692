package io.github.dashboardmetrics.sink;

/**
 * How far the change stream has been read: the newest WAL position and source commit time seen,
 * and a number of change events. Emitted by {@link SourcePositionTracker} at every checkpoint
 * barrier (then {@code changes} counts the events since the previous barrier) and kept by the
 * {@link RollupCommitter} (then it is the running total).
 */
public class SourceProgress {
    /** Newest WAL position (Debezium source.lsn) seen, -1 when none had one. */
    public long lsn = -1;
    /** Newest source commit time (epoch millis) seen, 0 when unknown. */
    public long sourceTsMs;
    /** Change events: since the previous barrier (from a tracker), or in total (the committer's). */
    public long changes;

    public SourceProgress() {}

    public SourceProgress(long lsn, long sourceTsMs, long changes) {
        this.lsn = lsn;
        this.sourceTsMs = sourceTsMs;
        this.changes = changes;
    }

    /** This total advanced by {@code step} (a tracker's emission): newest position, summed changes. */
    public SourceProgress plus(SourceProgress step) {
        return new SourceProgress(Math.max(lsn, step.lsn), Math.max(sourceTsMs, step.sourceTsMs), changes + step.changes);
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
        return o instanceof SourceProgress p && p.lsn == lsn && p.sourceTsMs == sourceTsMs && p.changes == changes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lsn) * 31 * 31 + Long.hashCode(sourceTsMs) * 31 + Long.hashCode(changes);
    }

    @Override
    public String toString() {
        return "SourceProgress{lsn=" + ProgressTable.lsnText(lsn) + ", sourceTs=" + java.time.Instant.ofEpochMilli(sourceTsMs)
                + ", changes=" + changes + "}";
    }
}
