package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.wire.RowChangeSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One decoded change event of a captured table: which row (kind and primary key), its new
 * projected image (null when the row was deleted) and where in the change stream it came from.
 * The before-image is deliberately absent: with the default REPLICA IDENTITY it is missing, so
 * the previous image comes from state (see {@code RowNormaliser}).
 */
@TypeInfo(RowChangeSerializer.Factory.class)
public class RowChange {
    /** Debezium's op: c (create), r (snapshot read), u (update), d (delete), t (truncate: no key, no image). */
    public char op;
    public RowKind kind;
    /** Primary key of the row, as text. */
    public String key;
    /** Projected after-image; null for deletes. */
    public SourceRow after;
    /** WAL position of the change (Debezium source.lsn), or -1 when the event has none. */
    public long lsn;
    /** Commit time in the source database (source.ts_ms), epoch millis; 0 when unknown. */
    public long sourceTsMs;
    /** Where a Kafka source read it ({@code topic/partition@offset}); null on the direct source. */
    public String sourcePosition;

    public RowChange() {}

    public RowChange(char op, RowKind kind, String key, SourceRow after, long lsn, long sourceTsMs) {
        this.op = op;
        this.kind = kind;
        this.key = key;
        this.after = after;
        this.lsn = lsn;
        this.sourceTsMs = sourceTsMs;
    }

    /** Whether this is a TRUNCATE of its table rather than a change of one row. */
    public boolean isTruncate() {
        return op == 't';
    }

    @Override
    public String toString() {
        return "RowChange{" + op + " " + kind + " " + key + " lsn=" + lsn + " after=" + after + "}";
    }
}
