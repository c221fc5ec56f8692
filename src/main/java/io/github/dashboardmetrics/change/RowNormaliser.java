package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowImages;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowPositions;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.util.Collector;

/**
 * Keyed by row ({@link RowKeys} of the table code and primary key) of the tables whose rows are
 * not themselves join keys of a child table (usage, hitl_queue, page_usage, and the dimension
 * tables organization, workflow, pipeline and api_deployment): keeps the canonical image of each
 * row ({@link RowImages}: only what a metric reads) and turns every change into a retraction of
 * the previous image and an addition of the new one. The job never trusts Debezium's
 * before-image (absent under the default REPLICA IDENTITY).
 *
 * <p>Replays are harmless: a change whose position is not after the last one applied to the row
 * is dropped ({@link RowPositions}), and a change whose canonical image equals the current one
 * (a duplicate, or an update of columns no metric reads) emits nothing.
 *
 * <p>State, one value per row: {@code row-<table>} = format, positions, image; a deleted row (or
 * one that contributes to nothing) keeps its positions in {@code deleted-rows} for a bounded time
 * ({@link RowState}). One state per table, so that a TRUNCATE walks the rows of its table only.
 *
 * <p>TRUNCATE (the broadcast input) empties a table as the source did: every row of that table
 * whose last change came before the TRUNCATE's position is retracted, and changes of that table
 * from before that position that are still on their way are dropped when they arrive. TRUNCATE
 * holds an exclusive lock on the table, so every change before it has a smaller position and
 * every change after it a larger one. The rows are retracted by a walk in slices between records
 * ({@link RowKeepingOperator}); a change to a row the walk has not reached yet retracts it first.
 */
public class RowNormaliser extends RowKeepingOperator<RowChange, WeightedRow> {
    private static final long serialVersionUID = 3L;

    /** The tables this operator keeps; workflow_execution and workflow_file_execution are kept by their joins. */
    public static final Set<RowKind> TABLES = Set.of(RowKind.USAGE, RowKind.HITL_QUEUE, RowKind.PAGE_USAGE,
            RowKind.ORGANIZATION, RowKind.WORKFLOW, RowKind.PIPELINE, RowKind.API_DEPLOYMENT);

    /** The tables whose rows count in a bucket of their own (the others are dimensions, kept for good). */
    private static final Set<RowKind> FACTS = Set.of(RowKind.USAGE, RowKind.HITL_QUEUE, RowKind.PAGE_USAGE);

    /** The state of the positions of deleted rows. */
    private static final String DELETED_ROWS = "deleted-rows";

    private final Duration deletedRowHorizon;
    private final RetentionPolicy retention;
    private transient Map<RowKind, ValueState<byte[]>> rows;
    private transient ValueState<byte[]> deleted;
    private transient List<ValueStateDescriptor<byte[]>> states;

    public RowNormaliser() {
        this(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT, DEFAULT_KEYS_PER_SLICE);
    }

    /**
     * @param retention the rows of fact tables leave the state with their buckets ({@link RowState#expiringWithRetention})
     * @param keysPerSlice keys a TRUNCATE's walk visits between records
     */
    public RowNormaliser(Duration deletedRowHorizon, RetentionPolicy retention, int keysPerSlice) {
        super(keysPerSlice);
        this.deletedRowHorizon = deletedRowHorizon;
        this.retention = retention;
    }

    /** The key of a row's change. */
    public static String key(RowChange change) {
        return RowKeys.of(change.kind.code(), change.key);
    }

    @Override
    protected void openRows() {
        rows = new EnumMap<>(RowKind.class);
        states = keyedStates(retention, deletedRowHorizon);
        if (snapshotsAtEnd()) {
            RowState.forBulkLoad(states);
        }
        Map<String, ValueState<byte[]>> byName = new HashMap<>();
        for (ValueStateDescriptor<byte[]> d : states) {
            byName.put(d.getName(), getKeyedStateStore().getState(d));
        }
        for (RowKind kind : TABLES) {
            rows.put(kind, byName.get(rowState(kind)));
        }
        deleted = byName.get(DELETED_ROWS);
    }

    /**
     * The keyed states of this operator (the savepoint contract): {@code row-<table>} for each table
     * kept, those of fact tables leaving with their buckets, then {@code deleted-rows}.
     */
    public static List<ValueStateDescriptor<byte[]>> keyedStates(RetentionPolicy retention, Duration deletedRowHorizon) {
        List<ValueStateDescriptor<byte[]>> states = new ArrayList<>();
        for (RowKind kind : RowKind.values()) {
            if (TABLES.contains(kind)) {
                ValueStateDescriptor<byte[]> d = RowState.rows(rowState(kind));
                states.add(FACTS.contains(kind) ? RowState.expiringWithRetention(d, retention) : d);
            }
        }
        states.add(RowState.deleted(DELETED_ROWS, deletedRowHorizon));
        return states;
    }

    /** The name of the state of a kept table's rows. */
    private static String rowState(RowKind kind) {
        return "row-" + kind.tableName();
    }

    @Override
    protected String rowStateOf(RowKind table) {
        return TABLES.contains(table) ? rowState(table) : null;
    }

    @Override
    protected void processRow(RowChange change, Collector<WeightedRow> out) throws Exception {
        if (truncatedAfter(change)) {
            return; // emptied by a later TRUNCATE
        }
        applyPendingTruncate(change.kind);
        ValueState<byte[]> row = rows.get(change.kind);
        byte[] stored = row.value();
        RowPositions positions;
        SourceRow previous = null;
        byte[] tombstone = null;
        if (stored != null) {
            StateBytes.Reader r = RowState.reader(stored);
            positions = RowPositions.read(r);
            previous = RowImages.read(change.kind, change.key, r);
        } else {
            tombstone = deleted.value();
            positions = tombstone == null ? new RowPositions() : RowPositions.read(RowState.reader(tombstone));
        }
        if (!positions.advance(change.op, change.lsn)) {
            return; // already applied: a redelivered or stale event
        }
        SourceRow next = change.op == 'd' ? null : RowImages.canonical(change.after);
        if (next != null) {
            StateBytes.Writer w = new StateBytes.Writer().byteValue(RowState.FORMAT);
            positions.write(w);
            RowImages.write(next, w);
            row.update(w.toBytes());
            if (tombstone != null) {
                deleted.clear(); // only where there is one: clearing an absent value is a write in RocksDB
            }
        } else {
            row.clear();
            deleted.update(RowState.deletedRow(positions));
        }
        if (Objects.equals(previous, next)) {
            return;
        }
        if (previous != null) {
            out.collect(new WeightedRow(previous, -1, change.sourceTsMs));
        }
        if (next != null) {
            out.collect(new WeightedRow(next, +1, change.sourceTsMs));
        }
    }

    /** A TRUNCATE reaching one row: retracted if it was last changed before the TRUNCATE. */
    @Override
    protected boolean truncate(RowKind table, long position, long sourceTsMs, Collector<WeightedRow> out)
            throws Exception {
        ValueState<byte[]> row = rows.get(table);
        byte[] stored = row.value();
        if (stored == null) {
            return false;
        }
        StateBytes.Reader r = RowState.reader(stored);
        if (RowPositions.read(r).last() >= position) {
            return false;
        }
        out.collect(new WeightedRow(RowImages.read(table, RowKeys.id((String) getCurrentKey()), r), -1, sourceTsMs));
        row.clear();
        return true;
    }
}
