package io.github.dashboardmetrics.state;

import io.github.dashboardmetrics.wire.SubtaskStateSerializer;
import io.github.dashboardmetrics.wire.WireType;
import java.io.Serializable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.api.output.SnapshotUtils;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * A bootstrap's savepoint, taken by each stateful operator of its bounded job of itself at the end
 * of its input: the operator's whole state (keyed state, timers, operator state) in the savepoint's
 * directory, as the streaming job's own savepoint of that operator would hold it, since the
 * operator, its state descriptors and serializers are the streaming job's. The operator emits
 * the handle of what it wrote on {@link #SUBTASK_STATES}; the State Processor API's reducers then
 * write the savepoint's metadata under the streaming job's uids (BootstrapJob).
 *
 * <p>The snapshot is taken as Flink takes a savepoint: in the canonical format, which either state
 * backend restores, by the backend itself (for RocksDB, an iteration of its key-value bytes). So
 * nothing is read out entry by entry, deserialized, moved and written into a second backend.
 */
public final class FinalSnapshot implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Side output of an operator that took its final snapshot: the handle, tagged with its subtask index. */
    public static final OutputTag<TaggedOperatorSubtaskState> SUBTASK_STATES =
            new OutputTag<>("final-snapshot", new WireType<>(TaggedOperatorSubtaskState.class, SubtaskStateSerializer.INSTANCE));

    private final String savepointDirectory;

    /** @param savepointDirectory where the savepoint is written: its state files go there */
    public FinalSnapshot(String savepointDirectory) {
        this.savepointDirectory = savepointDirectory;
    }

    /**
     * Snapshots {@code operator} into the savepoint's directory, as a savepoint barrier would
     * ({@code prepareSnapshotPreBarrier}, {@code snapshotState}, then {@code notifyCheckpointComplete},
     * in the operator's own thread), and emits the handle, tagged with its subtask, on
     * {@link #SUBTASK_STATES} of the operator's {@code output}.
     */
    public void take(AbstractStreamOperator<?> operator, Output<?> output) throws Exception {
        int subtask = operator.getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        output.collect(SUBTASK_STATES, new StreamRecord<>(SnapshotUtils.snapshot(operator, subtask, System.currentTimeMillis(),
                true, false, new Configuration(), new Path(savepointDirectory), SavepointFormatType.CANONICAL)));
    }
}
