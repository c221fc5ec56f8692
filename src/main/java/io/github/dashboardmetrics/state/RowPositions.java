package io.github.dashboardmetrics.state;

/**
 * Where in the change stream a row was last changed, to drop redelivered and stale changes.
 *
 * <p>Snapshot reads (op {@code r}) are compared with every change applied before, but streamed
 * changes only with the streamed ones. Debezium stamps snapshot reads with the position of the
 * snapshot, and a transaction that was open at that point is streamed afterwards with change
 * positions <em>before</em> it, although the snapshot does not contain it: comparing it with the
 * snapshot's position would drop a real change. Streamed changes of one row are ordered by their
 * positions (the row lock orders the transactions), so comparing them among themselves still
 * drops every redelivered one.
 *
 * <p>A snapshot read at the same position as the row's last snapshot read applies: Flink CDC
 * stamps every snapshot read with position 0, so a second read of a row cannot be told older or
 * newer by its position. The source only reads a chunk again when none of it reached the state
 * (see {@code WholeUnitEmitter}), so such a read is either a redelivery of the same image
 * (retracting and adding the same row: nothing changes) or the newer one. A read older than a
 * streamed change applied, or than a later snapshot's read, is still dropped.
 *
 * <p>State format: {@code varLong(last + 1), varLong(lastStreamed + 1)} (0: none).
 */
public final class RowPositions {
    /** Below every WAL position: nothing (of that kind) applied yet. */
    public static final long NONE = -1L;

    /** Highest position of any change applied to the row, snapshot reads included. */
    private long last = NONE;
    /** Highest position of a streamed change applied to the row. */
    private long lastStreamed = NONE;

    /**
     * Whether a change ({@code op}, at {@code lsn}) comes after everything applied to the row; if
     * so, records its position. Changes without a position ({@code lsn < 0}) always apply.
     */
    public boolean advance(char op, long lsn) {
        if (lsn < 0) {
            return true;
        }
        boolean snapshotRead = op == 'r';
        if (snapshotRead ? lsn < last || lsn <= lastStreamed : lsn <= lastStreamed) {
            return false;
        }
        last = Math.max(last, lsn);
        if (!snapshotRead) {
            lastStreamed = lsn;
        }
        return true;
    }

    /** The highest position applied to the row, or {@link #NONE}. */
    public long last() {
        return last;
    }

    public void write(StateBytes.Writer w) {
        w.varLong(last + 1).varLong(lastStreamed + 1);
    }

    public static RowPositions read(StateBytes.Reader r) {
        RowPositions p = new RowPositions();
        p.last = r.varLong() - 1;
        p.lastStreamed = r.varLong() - 1;
        return p;
    }
}
