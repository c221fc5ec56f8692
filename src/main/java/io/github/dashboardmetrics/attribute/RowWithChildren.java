package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKeepingOperator;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowImages;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowPositions;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.util.Collector;

/**
 * A join keyed by the id of a row that other rows point to (a file execution, which page_usage
 * rows name in run_id; an execution, which file executions name): it keeps the row itself, as the
 * normaliser keeps its rows (positions, canonical image, deleted rows for a bounded time,
 * TRUNCATE), and beside it only the <em>sum</em> of what its children contributed ({@code C}),
 * never the children themselves. The row's contributions, with its children's routed through
 * it, go to the join of its parent; when the row changes, they are retracted from the old parent
 * and added to the new one. A TRUNCATE of the row's table retracts the row with what was routed
 * through it, and keeps the children's sum ({@link RowKeepingOperator} walks the rows; a record
 * for a row the walk has not reached yet truncates it first, so that no child is routed through a
 * row the TRUNCATE removed).
 *
 * <p>State, one value per key: {@code <name>} = format, positions, 1 and the image or 0,
 * then the children's sum ({@link #writeChildren}).
 *
 * @param <C> what the children add up to
 */
abstract class RowWithChildren<C> extends RowKeepingOperator<JoinInput, Contribution> {
    private static final long serialVersionUID = 2L;

    private final RowKind kind;
    private final String stateName;
    private final Duration deletedRowHorizon;
    private final RetentionPolicy retention;
    private transient ValueState<byte[]> rows;
    private transient ValueState<byte[]> deleted;
    private transient List<ValueStateDescriptor<byte[]>> states;

    RowWithChildren(RowKind kind, String stateName, Duration deletedRowHorizon, RetentionPolicy retention,
            int keysPerSlice) {
        super(keysPerSlice);
        this.kind = kind;
        this.stateName = stateName;
        this.deletedRowHorizon = deletedRowHorizon;
        this.retention = retention;
    }

    /** The key of one of this join's own rows. */
    static String key(RowKind kind, String id) {
        return RowKeys.of(kind.code(), id);
    }

    abstract C noChildren();

    abstract boolean isEmpty(C children);

    abstract C readChildren(StateBytes.Reader r);

    abstract void writeChildren(C children, StateBytes.Writer w);

    /** Emits the contributions of {@code row} with its children, scaled by {@code weight}. */
    abstract void emit(SourceRow row, C children, int weight, long sourceTsMs, Collector<Contribution> out);

    /** Adds a child's contribution; emits what it changes through {@code row} (null: no row yet). */
    abstract C addChild(SourceRow row, C children, Contribution child, Collector<Contribution> out);

    @Override
    protected void openRows() {
        states = keyedStates(stateName, retention, deletedRowHorizon);
        if (snapshotsAtEnd()) {
            RowState.forBulkLoad(states);
        }
        rows = getKeyedStateStore().getState(states.get(0));
        deleted = getKeyedStateStore().getState(states.get(1));
    }

    /**
     * The keyed states of a join (the savepoint contract): its rows under {@code stateName}, leaving
     * with their buckets, and {@code deleted-<stateName>}.
     */
    static List<ValueStateDescriptor<byte[]>> keyedStates(String stateName, RetentionPolicy retention,
            Duration deletedRowHorizon) {
        return List.of(RowState.expiringWithRetention(RowState.rows(stateName), retention),
                RowState.deleted("deleted-" + stateName, deletedRowHorizon));
    }

    @Override
    protected String rowStateOf(RowKind table) {
        return table == kind ? stateName : null;
    }

    /** One key's value, read. */
    private final class Kept {
        RowPositions positions;
        SourceRow row;
        C children;
        /** A deleted row's marker was read: storing the row again removes it. */
        boolean tombstone;
    }

    private Kept load(String id) throws Exception {
        Kept k = new Kept();
        byte[] value = rows.value();
        if (value != null) {
            StateBytes.Reader r = RowState.reader(value);
            k.positions = RowPositions.read(r);
            k.row = r.byteValue() == 1 ? RowImages.read(kind, id, r) : null;
            k.children = readChildren(r);
        } else {
            byte[] tombstone = deleted.value();
            k.tombstone = tombstone != null;
            k.positions = tombstone == null ? new RowPositions() : RowPositions.read(RowState.reader(tombstone));
            k.children = noChildren();
        }
        return k;
    }

    private void store(Kept k) throws Exception {
        if (k.row == null && isEmpty(k.children)) {
            rows.clear();
            deleted.update(RowState.deletedRow(k.positions));
            return;
        }
        rows.update(bytes(k.positions, k.row, k.children));
        if (k.tombstone) {
            // Only where there is one: clearing an absent value is a write (a RocksDB delete)
            // for every new row, a snapshot's every row.
            deleted.clear();
        }
    }

    private byte[] bytes(RowPositions positions, SourceRow row, C children) {
        StateBytes.Writer w = new StateBytes.Writer().byteValue(RowState.FORMAT);
        positions.write(w);
        if (row != null) {
            RowImages.write(row, w.byteValue(1));
        } else {
            w.byteValue(0);
        }
        writeChildren(children, w);
        return w.toBytes();
    }

    @Override
    protected void processRow(JoinInput in, Collector<Contribution> out) throws Exception {
        String id = RowKeys.id(in.key);
        if (in.change != null) {
            RowChange change = in.change;
            if (truncatedAfter(change)) {
                return;
            }
            applyPendingTruncate(kind);
            Kept k = load(id);
            if (!k.positions.advance(change.op, change.lsn)) {
                return;
            }
            SourceRow next = change.op == 'd' ? null : RowImages.canonical(change.after);
            if (!Objects.equals(k.row, next)) {
                if (k.row != null) {
                    emit(k.row, k.children, -1, change.sourceTsMs, out);
                }
                if (next != null) {
                    emit(next, k.children, +1, change.sourceTsMs, out);
                }
            }
            k.row = next;
            store(k);
        } else {
            applyPendingTruncate(kind);
            Kept k = load(id);
            k.children = addChild(k.row, k.children, in.contribution, out);
            store(k);
        }
    }

    /** A TRUNCATE reaching one row: if it was last changed before it, the row goes; its children's sum stays. */
    @Override
    protected boolean truncate(RowKind table, long position, long sourceTsMs, Collector<Contribution> out)
            throws Exception {
        byte[] value = rows.value();
        if (value == null) {
            return false;
        }
        StateBytes.Reader r = RowState.reader(value);
        RowPositions positions = RowPositions.read(r);
        SourceRow row = r.byteValue() == 1 ? RowImages.read(kind, RowKeys.id((String) getCurrentKey()), r) : null;
        C children = readChildren(r);
        if (row == null || positions.last() >= position) {
            return false;
        }
        emit(row, children, -1, sourceTsMs, out);
        if (isEmpty(children)) {
            rows.clear();
        } else {
            rows.update(bytes(positions, null, children));
        }
        return true;
    }
}
