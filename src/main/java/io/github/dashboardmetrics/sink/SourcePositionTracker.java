package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.source.ChangeMessage;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Watches the decoded change stream and, at every checkpoint barrier (and at end of input),
 * emits how far it got since the previous barrier: the newest LSN and source commit time seen,
 * the number of change events, and on Kafka the newest offset of each partition. It reaches the
 * {@link RollupCommitter} before the barrier, together with the rollup rows the same changes
 * produced, so the committer knows the source position of every checkpoint's state. Nothing is
 * emitted for an interval without changes.
 *
 * <p>Stateless: the committer keeps the running position in its own state.
 */
public class SourcePositionTracker extends AbstractStreamOperator<SourceProgress>
        implements OneInputStreamOperator<RowChange, SourceProgress>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private transient long newestLsn;
    private transient long newestSourceTsMs;
    private transient long changes;
    /** Kafka: the newest offset read of each partition ({@code topic/partition}) since the last barrier. */
    private transient Map<String, Long> offsets;

    @Override
    public void open() throws Exception {
        super.open();
        newestLsn = -1;
        newestSourceTsMs = 0;
        changes = 0;
        offsets = new HashMap<>();
    }

    @Override
    public void processElement(StreamRecord<RowChange> element) {
        RowChange change = element.getValue();
        newestLsn = Math.max(newestLsn, change.lsn);
        newestSourceTsMs = Math.max(newestSourceTsMs, change.sourceTsMs);
        changes++;
        if (change.sourcePosition != null) {
            offsets.merge(ChangeMessage.partitionOf(change.sourcePosition), ChangeMessage.offsetOf(change.sourcePosition),
                    Math::max);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        emit();
    }

    @Override
    public void endInput() {
        emit();
    }

    private void emit() {
        if (changes > 0) {
            output.collect(new StreamRecord<>(new SourceProgress(newestLsn, newestSourceTsMs, changes, offsets)));
            changes = 0;
            offsets = new HashMap<>();
        }
    }
}
