package io.github.dashboardmetrics.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.state.FinalSnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketRollupTest {
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").toEpochMilli();
    private static final long T = Instant.parse("2026-06-15T10:20:00Z").toEpochMilli();

    private static KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT), MetricDelta::rollupKey, Types.STRING);
        h.open();
        h.setProcessingTime(NOW);
        return h;
    }

    private static MetricDelta delta(long t, double value, int count) {
        return new MetricDelta(4L, Metric.LLM_USAGE, t, value, count, 0);
    }

    @Test
    void emitsAbsoluteTotalsOfChangedBucketsAtTheCheckpointBarrier() throws Exception {
        try (var h = harness()) {
            h.processElement(delta(T, 0.1, 1), NOW);
            h.processElement(delta(T + 60_000, 0.2, 1), NOW);
            h.setProcessingTime(NOW + 60_000);
            assertThat(h.extractOutputValues()).isEmpty(); // time alone emits nothing
            h.prepareSnapshotPreBarrier(1);
            List<RollupRow> out = h.extractOutputValues();
            assertThat(out).hasSize(3);
            for (RollupRow r : out) {
                assertThat(r.count).isEqualTo(2);
                assertThat(r.value).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-15));
                assertThat(r.metricName).isEqualTo("llm_usage");
                assertThat(r.metricType).isEqualTo("histogram");
            }
            assertThat(out).extracting(r -> r.granularity + "@" + Instant.ofEpochMilli(r.bucketStart)).containsExactlyInAnyOrder(
                    "HOURLY@2026-06-15T10:00:00Z", "DAILY@2026-06-15T00:00:00Z", "MONTHLY@2026-06-01T00:00:00Z");
        }
    }

    @Test
    void bucketWhoseLastRowIsRetractedIsWrittenAsADeleteAndLeavesState() throws Exception {
        try (var h = harness()) {
            h.processElement(delta(T, 0.1, 1), NOW);
            h.processElement(delta(T, 0.7, 1), NOW);
            h.prepareSnapshotPreBarrier(1);
            h.processElement(delta(T, -0.1, -1), NOW);
            h.processElement(delta(T, -0.7, -1), NOW);
            h.prepareSnapshotPreBarrier(2);
            List<RollupRow> out = h.extractOutputValues();
            assertThat(out.subList(3, 6)).allSatisfy(r -> {
                assertThat(r.isDelete()).isTrue();
                assertThat(r.value).isZero(); // exact: no floating residue after retractions
            });
            // only the next retention-cleanup time remains
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
        }
    }

    @Test
    void deltasPastRetentionAreIgnoredAndExpiredBucketsLeaveState() throws Exception {
        try (var h = harness()) {
            long fortyDaysAgo = NOW - 40L * 86_400_000L;
            h.processElement(delta(fortyDaysAgo, 1, 1), NOW);
            h.prepareSnapshotPreBarrier(1);
            assertThat(h.extractOutputValues()).extracting(r -> r.granularity)
                    .containsExactlyInAnyOrder(Granularity.DAILY, Granularity.MONTHLY); // no hourly row
            // 400 days later the daily bucket is gone too; the monthly one stays (unlimited)
            h.setProcessingTime(NOW + 400L * 86_400_000L);
            h.processElement(delta(fortyDaysAgo, 1, 1), NOW);
            h.prepareSnapshotPreBarrier(2);
            List<RollupRow> out = h.extractOutputValues();
            RollupRow last = out.get(out.size() - 1);
            assertThat(last.granularity).isEqualTo(Granularity.MONTHLY);
            assertThat(last.count).isEqualTo(2);
        }
    }

    @Test
    void totalsSurviveASnapshotAndRestoreAndNothingIsPendingInIt() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.processElement(delta(T, 2.5, 1), NOW);
            h.prepareSnapshotPreBarrier(1);
            assertThat(h.extractOutputValues()).hasSize(3);
            snapshot = h.snapshot(1, NOW);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT), MetricDelta::rollupKey, Types.STRING)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(NOW);
            h.prepareSnapshotPreBarrier(2);
            assertThat(h.extractOutputValues()).isEmpty(); // nothing was pending at the checkpoint
            h.processElement(delta(T, 1.0, 1), NOW);
            h.prepareSnapshotPreBarrier(3);
            assertThat(h.extractOutputValues()).hasSize(3).allSatisfy(r -> {
                assertThat(r.value).isEqualTo(3.5);
                assertThat(r.count).isEqualTo(2);
            });
        }
    }

    @Test
    void aBucketWhoseChangesCancelOutBetweenBarriersIsNotWritten() throws Exception {
        try (var h = harness()) {
            h.processElement(delta(T, 0.5, 1), NOW);
            h.prepareSnapshotPreBarrier(1);
            int before = h.extractOutputValues().size();
            h.processElement(delta(T, -0.5, -1), NOW); // the count goes to 0...
            h.processElement(delta(T, 0.5, 1), NOW);   // ...and back within one interval
            h.prepareSnapshotPreBarrier(2);
            assertThat(h.extractOutputValues()).hasSize(before); // no delete, no rewrite
        }
    }

    @Test
    void aFullInMemoryBatchIsEmittedEarlyAndEndOfInputEmitsTheRest() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT, 2), MetricDelta::rollupKey, Types.STRING)) {
            h.open();
            h.setProcessingTime(NOW);
            h.processElement(delta(T, 1, 1), NOW);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(delta(T + 3_600_000L, 1, 1), NOW); // second pending hour: the batch is full
            assertThat(h.extractOutputValues()).hasSize(4); // two hours, one day, one month
            h.processElement(delta(T, 1, 1), NOW);
            h.endInput();
            assertThat(h.extractOutputValues()).hasSize(7);
        }
    }
    /**
     * In a bootstrap the final rows leave at the sources' last watermark, before the end of the
     * input, so that the rollup tables are written while the operators before the rollup export
     * their state; the end of the input then sends no row twice, and a delta after that watermark
     * (which no source sends) fails instead of being left out of rows already written.
     */
    @Test
    void inABootstrapTheFinalRowsLeaveAtTheLastWatermarkOnce(@TempDir Path savepoint) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT).snapshottingAtEnd(new FinalSnapshot(savepoint.toString())),
                MetricDelta::rollupKey, Types.STRING)) {
            h.open();
            h.setProcessingTime(NOW);
            h.processElement(delta(T, 0.1, 1), NOW);
            h.processElement(delta(T + 60_000, 0.2, 1), NOW);
            h.processWatermark(new Watermark(NOW));
            assertThat(h.getSideOutput(BucketRollup.FINAL_ROWS)).as("an ordinary watermark").isNull();
            h.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(h.getSideOutput(BucketRollup.FINAL_ROWS)).extracting(StreamRecord::getValue)
                    .extracting(r -> r.granularity + " " + r.count).containsExactlyInAnyOrder("HOURLY 2", "DAILY 2", "MONTHLY 2");
            assertThat(h.getOutput()).as("the watermark goes on after the rows").last().isEqualTo(Watermark.MAX_WATERMARK);
            h.endInput();
            h.getOperator().finish();
            assertThat(h.getSideOutput(BucketRollup.FINAL_ROWS)).hasSize(3);
            assertThat(h.getSideOutput(FinalSnapshot.SUBTASK_STATES)).as("the snapshot, at the end of the input").hasSize(1);
            assertThatThrownBy(() -> h.processElement(delta(T, 0.4, 1), NOW)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("after the end of the input's watermark");
        }
    }

    @Test
    void outsideABootstrapTheLastWatermarkEmitsNoFinalRows() throws Exception {
        try (var h = harness()) {
            h.processElement(delta(T, 0.1, 1), NOW);
            h.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(h.getSideOutput(BucketRollup.FINAL_ROWS)).isNull();
            h.processElement(delta(T, 0.2, 1), NOW); // still taken
            h.prepareSnapshotPreBarrier(1);
            assertThat(h.extractOutputValues()).extracting(r -> r.count).containsOnly(2L);
        }
    }
}
