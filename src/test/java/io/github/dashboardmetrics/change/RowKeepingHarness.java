package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.state.FinalSnapshot;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * A {@link RowKeepingOperator} in Flink's operator test harness, on the heap or the RocksDB state
 * backend: records on the keyed input, TRUNCATEs on the other, the slices of their walks one
 * processing-time advance each, snapshots and restores.
 */
public final class RowKeepingHarness<IN, OUT> implements AutoCloseable {
    /** The state backends a harness runs on. */
    public enum Backend { HEAP, ROCKSDB }

    private final KeyedTwoInputStreamOperatorTestHarness<String, IN, RowChange, OUT> harness;
    private long nextSnapshot = 1;

    /** Opens {@code operator}, restored from {@code restored} when it is not null. */
    public RowKeepingHarness(RowKeepingOperator<IN, OUT> operator, KeySelector<IN, String> key, Backend backend,
            OperatorSubtaskState restored) throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(operator, key, null, Types.STRING);
        harness.setStateBackend(stateBackend(backend));
        harness.setup();
        if (restored != null) {
            harness.initializeState(restored);
        }
        harness.open();
    }

    /**
     * The state backend of {@code backend} for a harness (also FinalSnapshotTest's). RocksDB with
     * its own memory: the harness's managed memory is a few megabytes, which makes
     * RocksDB flush a file every few hundred rows.
     */
    public static StateBackend stateBackend(Backend backend) {
        if (backend == Backend.HEAP) {
            return new HashMapStateBackend();
        }
        EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend();
        rocksDb.getMemoryConfiguration().setUseManagedMemory(false);
        return rocksDb;
    }

    public void add(IN record) throws Exception {
        harness.processElement1(record, 0);
    }

    public void truncate(RowKind table, long lsn) throws Exception {
        harness.processElement2(new RowChange('t', table, null, null, lsn, 0), 0);
    }

    /** Whether a slice of a walk is scheduled: a walk is in progress. */
    public boolean walking() {
        return harness.getProcessingTimeService().getNumActiveTimers() > 0;
    }

    /** Lets the next slice run. */
    public void slice() throws Exception {
        harness.setProcessingTime(harness.getProcessingTime() + 1);
    }

    /** Lets the slices run until no walk is left; returns how many ran. */
    public int walk() throws Exception {
        int slices = 0;
        while (walking()) {
            slice();
            slices++;
        }
        return slices;
    }

    /** A watermark on both inputs, as every source sends {@link Watermark#MAX_WATERMARK} at the end of its input. */
    public void watermark(Watermark mark) throws Exception {
        harness.processBothWatermarks(mark);
    }

    /** Everything the operator emitted since it opened, or since the last {@link #take()}: records and watermarks. */
    public List<Object> emittedWithWatermarks() {
        return new java.util.ArrayList<>(harness.getOutput());
    }

    /** What the operator emitted since it opened, or since the last {@link #take()}. */
    public List<OUT> emitted() {
        return harness.extractOutputValues();
    }

    /** What the operator emitted since it opened, or since the last call; forgets it. */
    public List<OUT> take() {
        List<OUT> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    /** The checkpoints whose barrier came while a walk was in progress (the operator's side output). */
    public List<Long> walkingAtBarriers() {
        var out = harness.getSideOutput(RowKeepingOperator.WALKING_AT_BARRIER);
        return out == null ? List.of() : out.stream().map(r -> r.getValue()).toList();
    }

    public OperatorSubtaskState snapshot() throws Exception {
        long id = nextSnapshot++;
        harness.prepareSnapshotPreBarrier(id); // as the task does, before the barrier goes out
        return harness.snapshot(id, id);
    }

    /**
     * The end of both inputs and the operator's finish(), where an operator made to snapshot itself
     * at the end ({@link RowKeepingOperator#snapshottingAtEnd}) does so: what it emitted of that.
     */
    public List<TaggedOperatorSubtaskState> finish() throws Exception {
        harness.endInput1();
        harness.endInput2();
        harness.getOperator().finish();
        var out = harness.getSideOutput(FinalSnapshot.SUBTASK_STATES);
        return out == null ? List.of() : out.stream().map(r -> r.getValue()).toList();
    }

    /** Ends the input (Flink calls the operator's finish()) and closes it. */
    @Override
    public void close() throws Exception {
        harness.close();
    }
}
