package io.github.dashboardmetrics.change;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by row (kind and primary key): keeps the last projected image of each row and turns every
 * change into a retraction of the previous image and an addition of the new one. The job never
 * trusts Debezium's before-image (absent under the default REPLICA IDENTITY).
 *
 * <p>Replays are harmless: a change whose WAL position is not after the last one applied to the
 * row is dropped (Debezium redelivers at least once), and a change whose projected image equals
 * the current one (a duplicate, or an update of columns no metric reads) emits nothing.
 *
 * <p>Snapshot reads (op {@code r}) are compared with every change applied before, but streamed
 * changes only with the streamed ones. Debezium stamps all snapshot reads with the position of
 * the snapshot (the slot's consistent point), and a transaction that was open at that point is
 * streamed afterwards with change positions <em>before</em> it, although the snapshot does not
 * contain it: comparing it with the snapshot's position would drop a real change. Streamed
 * changes of one row are ordered by their positions (the row lock orders the transactions), so
 * comparing them among themselves still drops every redelivered one.
 *
 * <p>TRUNCATE (the broadcast input) empties a table as the source did: every row of that table
 * whose last change came before the TRUNCATE's position is retracted, and changes of that table
 * from before that position that are still on their way are dropped when they arrive. TRUNCATE
 * holds an exclusive lock on the table, so every change before it has a smaller position and
 * every change after it a larger one.
 */
public class RowNormaliser extends KeyedBroadcastProcessFunction<String, RowChange, RowChange, WeightedRow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RowNormaliser.class);

    /** Below every WAL position: nothing (of that kind) applied to the row yet. */
    private static final long NO_POSITION = -1L;

    /** Per table (kind name): the position of its latest TRUNCATE. */
    public static final MapStateDescriptor<String, Long> TRUNCATIONS =
            new MapStateDescriptor<>("truncations", Types.STRING, Types.LONG);
    private static final ValueStateDescriptor<SourceRow> CURRENT =
            new ValueStateDescriptor<>("current", TypeInformation.of(SourceRow.class));

    private transient ValueState<SourceRow> current;
    /** Highest position of any change applied to the row, snapshot reads included. */
    private transient ValueState<Long> lastLsn;
    /**
     * Highest position of a streamed change applied to the row, or {@link #NO_POSITION}; absent
     * in state written before it existed, where {@link #lastLsn} stands in for it.
     */
    private transient ValueState<Long> lastStreamedLsn;

    @Override
    public void open(Configuration parameters) {
        current = getRuntimeContext().getState(CURRENT);
        lastLsn = getRuntimeContext().getState(new ValueStateDescriptor<>("last-lsn", Types.LONG));
        lastStreamedLsn = getRuntimeContext().getState(new ValueStateDescriptor<>("last-streamed-lsn", Types.LONG));
    }

    @Override
    public void processElement(RowChange change, ReadOnlyContext ctx, Collector<WeightedRow> out) throws Exception {
        if (change.lsn >= 0 && (truncatedAfter(change, ctx) || !advancesPosition(change))) {
            return; // already applied (a redelivered or stale event), or emptied by a later TRUNCATE
        }
        SourceRow previous = current.value();
        SourceRow next = change.op == 'd' ? null : change.after;
        if (previous == null ? next == null : previous.equals(next)) {
            return;
        }
        if (previous != null) {
            out.collect(new WeightedRow(previous, -1, change.sourceTsMs));
        }
        if (next != null) {
            out.collect(new WeightedRow(next, +1, change.sourceTsMs));
            current.update(next);
        } else {
            current.clear();
        }
    }

    /** A TRUNCATE: retracts every row of its table last changed before it (see the class comment). */
    @Override
    public void processBroadcastElement(RowChange truncate, Context ctx, Collector<WeightedRow> out) throws Exception {
        String table = truncate.kind.name();
        Long known = ctx.getBroadcastState(TRUNCATIONS).get(table);
        // Without a position (never from Debezium's PostgreSQL connector) it empties what was seen so far.
        long at = truncate.lsn < 0 ? Long.MAX_VALUE : truncate.lsn;
        if (known != null && known >= at) {
            return; // a redelivered TRUNCATE
        }
        if (truncate.lsn >= 0) {
            ctx.getBroadcastState(TRUNCATIONS).put(table, at);
        }
        long[] retracted = {0};
        ctx.applyToKeyedState(CURRENT, (key, state) -> {
            SourceRow row = state.value();
            Long last = lastLsn.value(); // the state backend has set the current key to this row
            if (row != null && row.kind == truncate.kind && (last == null || last < at)) {
                out.collect(new WeightedRow(row, -1, truncate.sourceTsMs));
                state.clear();
                retracted[0]++;
            }
        });
        LOG.warn("TRUNCATE of {} at lsn {}: retracted the {} rows of it this subtask held", truncate.kind.tableName(),
                truncate.lsn, retracted[0]);
    }

    /** Whether a TRUNCATE of the change's table came after it: then the row is gone already. */
    private static boolean truncatedAfter(RowChange change, ReadOnlyContext ctx) throws Exception {
        Long truncatedAt = ctx.getBroadcastState(TRUNCATIONS).get(change.kind.name());
        return truncatedAt != null && change.lsn < truncatedAt;
    }

    /**
     * Whether the change comes after everything applied to its row (see the class comment), and
     * if so records its position.
     */
    private boolean advancesPosition(RowChange change) throws Exception {
        Long last = lastLsn.value();
        Long lastStreamed = lastStreamedLsn.value();
        long any = last == null ? NO_POSITION : last;
        long streamed = lastStreamed != null ? lastStreamed : any;
        boolean snapshotRead = change.op == 'r';
        if (change.lsn <= (snapshotRead ? any : streamed)) {
            return false;
        }
        lastLsn.update(Math.max(any, change.lsn));
        lastStreamedLsn.update(snapshotRead ? streamed : change.lsn);
        return true;
    }
}
