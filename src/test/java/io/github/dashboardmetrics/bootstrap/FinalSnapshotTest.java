package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKeepingHarness;
import io.github.dashboardmetrics.change.RowKeepingHarness.Backend;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.RowNormaliser;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.change.WeightedRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.rollup.BucketRollup;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.state.FinalSnapshot;
import io.github.dashboardmetrics.state.RowState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A bootstrap's state, in operator harnesses: each stateful operator of the bounded job snapshots
 * itself at the end of its input ({@link FinalSnapshot}, the savepoint's canonical format), and the
 * streaming operator restores that snapshot on the other state backend. The rollup's retention
 * cleanup timer must come through with the totals (without it a key that never changes again would
 * keep its buckets past retention), and the normaliser's rows must (a change to a row retracts the
 * image the bootstrap read).
 */
class FinalSnapshotTest {
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    @TempDir
    Path savepoint;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theRollupsTotalsAndItsRetentionTimerRestoreOnTheOtherBackend(Backend bootstrapBackend) throws Exception {
        TaggedOperatorSubtaskState snapshot;
        try (var bounded = rollup(new BucketRollup(RetentionPolicy.DEFAULT).snapshottingAtEnd(new FinalSnapshot(savepoint.toString())),
                bootstrapBackend)) {
            bounded.open();
            bounded.setProcessingTime(NOW);
            bounded.processElement(new MetricDelta(4L, Metric.LLM_USAGE, NOW - 2 * 3_600_000L, 0.5, 1, 0), NOW);
            bounded.endInput();
            bounded.getOperator().finish();
            // each bucket's final row, once, for the rollup tables
            assertThat(bounded.getSideOutput(BucketRollup.FINAL_ROWS)).extracting(StreamRecord::getValue)
                    .extracting(FinalSnapshotTest::bucket)
                    .containsExactlyInAnyOrder("HOURLY 1 0.5", "DAILY 1 0.5", "MONTHLY 1 0.5");
            assertThat(bounded.getSideOutput(FinalSnapshot.SUBTASK_STATES)).as("one snapshot per subtask").hasSize(1);
            snapshot = bounded.getSideOutput(FinalSnapshot.SUBTASK_STATES).poll().getValue();
        }
        assertThat(snapshot.index).isZero();
        assertThat(snapshot.state.getManagedKeyedState()).as("the keyed state, in the savepoint's directory").isNotEmpty();

        // Restored as the streaming job restores it, on the other backend; made to emit its final
        // rows only to show what its state holds.
        try (var streaming = rollup(new BucketRollup(RetentionPolicy.DEFAULT).snapshottingAtEnd(
                new FinalSnapshot(savepoint.resolve("unused").toString())), other(bootstrapBackend))) {
            streaming.setProcessingTime(NOW);
            streaming.initializeState(snapshot.state);
            streaming.open();
            assertThat(streaming.numProcessingTimeTimers()).as("restored cleanup timer").isEqualTo(1);
            // The key never changes again. Its timer fires hourly (each firing arms the next); 31 days
            // on it has dropped the hourly bucket (30 days of retention), not the daily and monthly ones.
            for (long t = NOW; t <= NOW + 31 * DAY; t += 3_600_000L) {
                streaming.setProcessingTime(t);
            }
            assertThat(streaming.numProcessingTimeTimers()).isEqualTo(1);
            streaming.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(streaming.getSideOutput(BucketRollup.FINAL_ROWS)).extracting(StreamRecord::getValue)
                    .extracting(FinalSnapshotTest::bucket).containsExactlyInAnyOrder("DAILY 1 0.5", "MONTHLY 1 0.5");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theNormalisersRowsRestoreOnTheOtherBackend(Backend bootstrapBackend) throws Exception {
        List<TaggedOperatorSubtaskState> snapshots;
        try (var bounded = new RowKeepingHarness<>(new RowNormaliser(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT,
                100).snapshottingAtEnd(new FinalSnapshot(savepoint.toString())), RowNormaliser::key, bootstrapBackend, null)) {
            for (int i = 0; i < 50; i++) {
                bounded.add(insert("u" + i, 0.5));
            }
            assertThat(bounded.take()).hasSize(50);
            snapshots = bounded.finish();
        }
        assertThat(snapshots).hasSize(1);

        try (var streaming = new RowKeepingHarness<>(new RowNormaliser(), RowNormaliser::key, other(bootstrapBackend),
                snapshots.get(0).state)) {
            streaming.add(new RowChange('u', RowKind.USAGE, "u7", usage("u7", 2.0), 1_000, 0));
            List<WeightedRow> out = streaming.take();
            assertThat(out).extracting(w -> w.weight + " " + w.row.id + " " + w.row.amount)
                    .as("the image the bootstrap read, retracted, then the new one").containsExactly("-1 u7 0.5", "1 u7 2.0");
        }
    }

    private static RowChange insert(String id, double amount) {
        return new RowChange('c', RowKind.USAGE, id, usage(id, amount), 1 + Long.parseLong(id.substring(1)), 0);
    }

    private static SourceRow usage(String id, double amount) {
        SourceRow r = new SourceRow(RowKind.USAGE, id);
        r.orgId = 1L;
        r.status = "llm";
        r.amount = amount;
        r.eventTime = NOW;
        return r;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow> rollup(BucketRollup operator,
            Backend backend) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(operator, MetricDelta::rollupKey,
                Types.STRING);
        h.setStateBackend(RowKeepingHarness.stateBackend(backend));
        return h;
    }

    private static Backend other(Backend backend) {
        return backend == Backend.HEAP ? Backend.ROCKSDB : Backend.HEAP;
    }

    private static String bucket(RollupRow r) {
        return r.granularity + " " + r.count + " " + r.value;
    }
}
