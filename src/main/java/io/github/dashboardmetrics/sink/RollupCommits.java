package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.rollup.RollupRow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.types.Either;

/**
 * Attaches the sink side of the rollups: a {@link SourcePositionTracker} beside the decoder, and
 * the one {@link RollupCommitter} (parallelism 1) that takes the rollup rows of every subtask, the
 * source positions and the checkpoints taken while a TRUNCATE was being applied, and commits each
 * completed checkpoint in one transaction.
 *
 * <p>Why an operator of our own rather than Sink V2 with a global committer: the committer needs
 * a second input (the source position, aligned with the rows at each barrier), must read the
 * committed position at start and hold back across checkpoints, and merges rows across
 * checkpoints; a parallelism-1 two-input operator with operator state and
 * {@code notifyCheckpointComplete} does all that with no committable serializers or
 * writer/committer topology, and Flink calls it exactly where Sink V2 calls its committer.
 */
public final class RollupCommits {
    private RollupCommits() {}

    /**
     * Wires it ({@code walkingAtBarriers}: the ids of the checkpoints whose barrier came while a
     * TRUNCATE was being applied); refuses checkpointing that does not align barriers (unaligned or at-least-once
     * checkpoints are not consistent cuts).
     */
    public static void attach(DataStream<RollupRow> rollups, DataStream<Long> walkingAtBarriers,
            DataStream<RowChange> changes, RollupCommitter.Settings settings) {
        requireAlignedCheckpoints(rollups.getExecutionEnvironment().getCheckpointConfig());
        DataStream<Either<SourceProgress, Long>> positions = changes
                .transform("track the source position", TypeInformation.of(SourceProgress.class),
                        new SourcePositionTracker())
                .uid("track-source-position")
                .map(Either::<SourceProgress, Long>Left)
                .returns(RollupCommitter.SIGNALS)
                .name("source positions to the committer")
                .uid("positions-to-committer");
        DataStream<Either<SourceProgress, Long>> walks = walkingAtBarriers
                .map(Either::<SourceProgress, Long>Right)
                .returns(RollupCommitter.SIGNALS)
                .name("TRUNCATE walks at barriers to the committer")
                .uid("walks-to-committer");
        rollups.connect(positions.union(walks))
                .transform("commit the rollup tables at checkpoints", Types.VOID, new RollupCommitter(settings))
                .uid("commit-rollups")
                .setParallelism(1)
                .setMaxParallelism(1);
    }

    static void requireAlignedCheckpoints(CheckpointConfig checkpoints) {
        if (checkpoints.isUnalignedCheckpointsEnabled()) {
            throw new IllegalArgumentException("unaligned checkpoints are on, and the rollup tables are committed at"
                    + " aligned checkpoints only (consistent cuts): set execution.checkpointing.unaligned.enabled: false");
        }
        if (checkpoints.getCheckpointingConsistencyMode() != CheckpointingMode.EXACTLY_ONCE) {
            throw new IllegalArgumentException("checkpointing mode is " + checkpoints.getCheckpointingConsistencyMode()
                    + ", and the rollup tables are committed at aligned checkpoints only (consistent cuts):"
                    + " set execution.checkpointing.mode: EXACTLY_ONCE");
        }
    }
}
