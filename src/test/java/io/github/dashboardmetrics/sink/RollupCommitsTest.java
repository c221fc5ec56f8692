package io.github.dashboardmetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The position tracker's emissions at barriers, and the checkpointing the committer refuses. */
class RollupCommitsTest {
    @Test
    void theTrackerEmitsTheNewestPositionAndTheChangesSinceThePreviousBarrierOnlyWhenThereWereAny() throws Exception {
        try (OneInputStreamOperatorTestHarness<RowChange, SourceProgress> tracker =
                new OneInputStreamOperatorTestHarness<>(new SourcePositionTracker())) {
            tracker.open();
            tracker.processElement(change(300, 5_000), 0);
            tracker.processElement(change(200, 4_000), 0); // a parallel source may deliver an older one later
            tracker.processElement(change(-1, 0), 0); // an event without a position still counts
            tracker.prepareSnapshotPreBarrier(1);
            tracker.prepareSnapshotPreBarrier(2); // nothing since: nothing emitted
            tracker.processElement(change(400, 6_000), 0);
            tracker.prepareSnapshotPreBarrier(3);
            assertThat(emitted(tracker)).containsExactly(new SourceProgress(300, 5_000, 3),
                    new SourceProgress(400, 6_000, 1));
        }
    }

    @Test
    void onKafkaTheTrackerEmitsTheNewestOffsetOfEveryPartitionAndTheCommitterKeepsTheirMaximum() throws Exception {
        try (OneInputStreamOperatorTestHarness<RowChange, SourceProgress> tracker =
                new OneInputStreamOperatorTestHarness<>(new SourcePositionTracker())) {
            tracker.open();
            tracker.processElement(change(300, 5_000, "p.unstract.public.usage/0@41"), 0);
            tracker.processElement(change(200, 4_000, "p.unstract.public.usage/0@40"), 0);
            tracker.processElement(change(250, 4_500, "p.unstract.public.usage/1@7"), 0);
            tracker.prepareSnapshotPreBarrier(1);
            tracker.processElement(change(400, 6_000, "p.unstract.public.page_usage/0@3"), 0);
            tracker.prepareSnapshotPreBarrier(2);
            List<SourceProgress> steps = emitted(tracker);
            assertThat(steps.get(0).offsetMap()).containsExactly(Map.entry("p.unstract.public.usage/0", 41L),
                    Map.entry("p.unstract.public.usage/1", 7L));
            assertThat(steps.get(0).offsets)
                    .isEqualTo("{\"p.unstract.public.usage/0\": 41, \"p.unstract.public.usage/1\": 7}");
            SourceProgress total = new SourceProgress().plus(steps.get(0)).plus(steps.get(1))
                    .plus(new SourceProgress(100, 0, 1, Map.of("p.unstract.public.usage/0", 12L))); // an older one
            assertThat(total.offsetMap()).containsExactly(Map.entry("p.unstract.public.page_usage/0", 3L),
                    Map.entry("p.unstract.public.usage/0", 41L), Map.entry("p.unstract.public.usage/1", 7L));
            assertThat(new SourceProgress(1, 0, 1).plus(new SourceProgress(2, 0, 1)).offsets)
                    .as("the direct source has no offsets").isNull();
        }
    }

    @Test
    void positionsCompareByLsnOnlyAndWithoutOneNothingIsHeldBack() {
        SourceProgress p = new SourceProgress(100, 0, 10);
        assertThat(p.reaches(100)).as("the same WAL position, whatever the count").isTrue();
        assertThat(p.reaches(99)).isTrue();
        assertThat(p.reaches(101)).isFalse();
        assertThat(p.reaches(0)).as("committed during a snapshot: no position to wait for").isTrue();
        assertThat(new SourceProgress(0, 0, 5).reaches(101)).as("no position of its own: cannot tell").isTrue();
        assertThat(new SourceProgress(-1, 0, 5).reaches(101)).isTrue();
        assertThat(p.plus(new SourceProgress(90, 7, 2))).isEqualTo(new SourceProgress(100, 7, 12));
        assertThat(ProgressTable.lsnText(0x16B374D848L)).isEqualTo("16/B374D848");
        assertThat(ProgressTable.lsnText(-1)).isNull();
    }

    @Test
    void refusesCheckpointsThatAreNotConsistentCuts() {
        CheckpointConfig unaligned = new CheckpointConfig();
        unaligned.enableUnalignedCheckpoints();
        assertThatThrownBy(() -> RollupCommits.requireAlignedCheckpoints(unaligned))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("execution.checkpointing.unaligned.enabled: false");
        CheckpointConfig atLeastOnce = new CheckpointConfig();
        atLeastOnce.setCheckpointingConsistencyMode(CheckpointingMode.AT_LEAST_ONCE);
        assertThatThrownBy(() -> RollupCommits.requireAlignedCheckpoints(atLeastOnce))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("execution.checkpointing.mode: EXACTLY_ONCE");
        RollupCommits.requireAlignedCheckpoints(new CheckpointConfig());
    }

    private static RowChange change(long lsn, long sourceTsMs) {
        return new RowChange('u', RowKind.USAGE, "1", null, lsn, sourceTsMs);
    }

    /** A change a Kafka source read at {@code position} ({@code topic/partition@offset}). */
    private static RowChange change(long lsn, long sourceTsMs, String position) {
        RowChange change = change(lsn, sourceTsMs);
        change.sourcePosition = position;
        return change;
    }

    private static List<SourceProgress> emitted(OneInputStreamOperatorTestHarness<RowChange, SourceProgress> h) {
        List<SourceProgress> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((SourceProgress) r.getValue());
            }
        }
        return out;
    }
}
