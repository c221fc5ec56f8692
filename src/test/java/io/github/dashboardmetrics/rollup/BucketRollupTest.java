package io.github.dashboardmetrics.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class BucketRollupTest {
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").toEpochMilli();
    private static final long T = Instant.parse("2026-06-15T10:20:00Z").toEpochMilli();

    private static KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow> harness() throws Exception {
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new BucketRollup(500, RetentionPolicy.DEFAULT), MetricDelta::rollupKey, Types.STRING);
        h.setProcessingTime(NOW);
        return h;
    }

    private static MetricDelta delta(long t, double value, int count) {
        return new MetricDelta(4L, Metric.LLM_USAGE, t, value, count, 0);
    }

    @Test
    void emitsAbsoluteTotalsOfChangedBucketsAtTheFlushInterval() throws Exception {
        try (var h = harness()) {
            h.processElement(delta(T, 0.1, 1), NOW);
            h.processElement(delta(T + 60_000, 0.2, 1), NOW);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(NOW + 500);
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
            h.setProcessingTime(NOW + 500);
            h.processElement(delta(T, -0.1, -1), NOW);
            h.processElement(delta(T, -0.7, -1), NOW);
            h.setProcessingTime(NOW + 1000);
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
            h.setProcessingTime(NOW + 500);
            assertThat(h.extractOutputValues()).extracting(r -> r.granularity)
                    .containsExactlyInAnyOrder(Granularity.DAILY, Granularity.MONTHLY); // no hourly row
            // 400 days later the daily bucket is gone too; the monthly one stays (unlimited)
            h.setProcessingTime(NOW + 400L * 86_400_000L);
            h.processElement(delta(fortyDaysAgo, 1, 1), NOW);
            h.setProcessingTime(NOW + 400L * 86_400_000L + 500);
            List<RollupRow> out = h.extractOutputValues();
            RollupRow last = out.get(out.size() - 1);
            assertThat(last.granularity).isEqualTo(Granularity.MONTHLY);
            assertThat(last.count).isEqualTo(2);
        }
    }

    @Test
    void pendingBucketsSurviveASnapshotAndRestore() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.processElement(delta(T, 2.5, 1), NOW);
            snapshot = h.snapshot(1, NOW);
        }
        var operator = new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                new BucketRollup(500, RetentionPolicy.DEFAULT));
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                operator, MetricDelta::rollupKey, Types.STRING)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(NOW + 500);
            assertThat(h.extractOutputValues()).hasSize(3).allSatisfy(r -> assertThat(r.value).isEqualTo(2.5));
        }
    }
}
