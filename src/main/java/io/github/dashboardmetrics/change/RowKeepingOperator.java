package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.FinalSnapshot;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * An operator keyed by row that keeps source rows in keyed state (the normaliser, the file
 * execution and execution joins), with TRUNCATEs of their tables on its second, broadcast input.
 * This class does what is the same for all of them: the newest TRUNCATE position per table in
 * broadcast state ({@link RowState#TRUNCATIONS}, which drops late changes from before it), and
 * the walks that apply each TRUNCATE to the rows kept ({@link TruncateWalks}) in slices between
 * records. A subclass keeps its rows: {@link #processRow} for a record, {@link #truncate} for one
 * row a TRUNCATE reaches.
 *
 * <p>At every checkpoint barrier that comes while a walk is in progress, the operator emits the
 * checkpoint's id on {@link #WALKING_AT_BARRIER} before the barrier: the state of that checkpoint
 * shows the TRUNCATE partly applied, and the committer does not commit it alone (it waits for a
 * checkpoint whose barrier came after every walk ended).
 *
 * <p>A subclass calls {@link #applyPendingTruncate} before it reads a row to change it: a key the
 * walk has not reached yet may still hold a row the TRUNCATE removed.
 *
 * @param <IN> the keyed input
 * @param <OUT> what the rows emit
 */
public abstract class RowKeepingOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements TwoInputStreamOperator<IN, RowChange, OUT> {
    private static final long serialVersionUID = 1L;
    /** Keys a TRUNCATE's walk visits per slice: a few milliseconds of work on RocksDB. */
    public static final int DEFAULT_KEYS_PER_SLICE = 1_000;
    /** Side output: the id of each checkpoint whose barrier came while a TRUNCATE's walk was in progress here. */
    public static final OutputTag<Long> WALKING_AT_BARRIER = new OutputTag<>("truncate-walk-at-barrier", Types.LONG);

    private final int keysPerSlice;
    /** In a bootstrap: the savepoint this operator snapshots itself into at the end of its input; null otherwise. */
    private FinalSnapshot snapshotAtEnd;
    private transient TimestampedCollector<OUT> out;
    /** The record being processed, whose timestamp the collector gives what it emits. */
    private transient StreamRecord<IN> current;
    private transient BroadcastState<String, Long> truncations;
    private transient TruncateWalks walks;

    protected RowKeepingOperator(int keysPerSlice) {
        this.keysPerSlice = keysPerSlice;
    }

    /** Registers the keyed states of the rows (with {@link #getKeyedStateStore()}). */
    protected abstract void openRows() throws Exception;

    /** One record, with the key context on its key. */
    protected abstract void processRow(IN in, Collector<OUT> out) throws Exception;

    /** The name of the keyed value state that holds {@code table}'s rows here; null when this operator keeps none. */
    protected abstract String rowStateOf(RowKind table);

    /**
     * With the key context on a key of {@code table}'s row state: retracts its row if it was last
     * changed before {@code position} (a TRUNCATE there), emitting at {@code sourceTsMs}; whether it did.
     */
    protected abstract boolean truncate(RowKind table, long position, long sourceTsMs, Collector<OUT> out)
            throws Exception;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        truncations = context.getOperatorStateStore().getBroadcastState(RowState.TRUNCATIONS);
        TaskInfo task = getRuntimeContext().getTaskInfo();
        String subtask = getClass().getSimpleName() + " " + (task.getIndexOfThisSubtask() + 1) + "/"
                + task.getNumberOfParallelSubtasks();
        walks = new TruncateWalks(this, new TruncateWalks.Rows() {
            @Override
            public String stateOf(RowKind table) {
                return rowStateOf(table);
            }

            @Override
            public boolean truncate(RowKind table, long position, long sourceTsMs) throws Exception {
                out.eraseTimestamp(); // a retraction of the TRUNCATE's, not of a record's
                return RowKeepingOperator.this.truncate(table, position, sourceTsMs, out);
            }
        }, keysPerSlice, context.getOperatorStateStore().getUnionListState(TruncateWalks.STATE), subtask);
    }

    @Override
    public void open() throws Exception {
        super.open();
        out = new TimestampedCollector<>(output);
        openRows();
        walks.open(getMetricGroup());
    }

    @Override
    public void processElement1(StreamRecord<IN> element) throws Exception {
        current = element;
        out.setTimestamp(element);
        processRow(element.getValue(), out);
        current = null;
    }

    /** A TRUNCATE: recorded for every table, walked for the tables kept here. */
    @Override
    public void processElement2(StreamRecord<RowChange> element) throws Exception {
        RowChange truncate = element.getValue();
        Long position = RowState.recordTruncate(truncate, truncations);
        if (position != null && rowStateOf(truncate.kind) != null) {
            walks.start(truncate.kind, position, truncate.sourceTsMs);
        }
    }

    /** Whether a TRUNCATE of the change's table came after it: then the change is of a row already gone. */
    protected boolean truncatedAfter(RowChange change) throws Exception {
        return RowState.truncatedAfter(change, truncations);
    }

    /** Applies a TRUNCATE of {@code table} whose walk has not ended to the current key, as the walk would. */
    protected void applyPendingTruncate(RowKind table) throws Exception {
        walks.applyPending(table);
        out.setTimestamp(current);
    }

    /** Before the barrier: tells the committer that this checkpoint's state has a TRUNCATE partly applied. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        if (walks.inProgress()) {
            output.collect(WALKING_AT_BARRIER, new StreamRecord<>(checkpointId));
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        walks.snapshot();
    }

    /**
     * The end of the input (a bounded job, or stop with drain): what is left of the walks is walked
     * now; then, in a bootstrap, the operator snapshots itself into the savepoint
     * ({@link FinalSnapshot#SUBTASK_STATES}).
     */
    @Override
    public void finish() throws Exception {
        walks.walkToEnd();
        if (snapshotAtEnd != null) {
            snapshotAtEnd.take(this, output);
        }
        super.finish();
    }

    /**
     * In a bootstrap, the sources' last watermark ({@link Watermark#MAX_WATERMARK}) is the end of
     * the input reaching this operator ahead of its end of data: what is left of the walks is
     * walked then, so that the rollup's final rows, which leave at that watermark, include it.
     */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (snapshotAtEnd != null && mark.getTimestamp() == Watermark.MAX_WATERMARK.getTimestamp()) {
            walks.walkToEnd();
        }
        super.processWatermark(mark);
    }

    /** Whether this operator runs in a bootstrap's bulk load ({@link #snapshottingAtEnd}). */
    protected boolean snapshotsAtEnd() {
        return snapshotAtEnd != null;
    }

    /**
     * Makes this operator snapshot itself into {@code savepoint} at the end of its input
     * ({@link #finish}): the bootstrap's bounded job, whose state becomes the streaming job's savepoint.
     */
    public RowKeepingOperator<IN, OUT> snapshottingAtEnd(FinalSnapshot savepoint) {
        this.snapshotAtEnd = savepoint;
        return this;
    }

    @Override
    public void close() throws Exception {
        if (walks != null) {
            walks.close();
        }
        super.close();
    }
}
