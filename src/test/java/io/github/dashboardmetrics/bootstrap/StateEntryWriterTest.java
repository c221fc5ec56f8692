package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.rollup.BucketRollup;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.state.StateEntry;
import io.github.dashboardmetrics.state.StateExport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The rollup's state through a bootstrap, in operator harnesses: exported at the end of a bounded
 * input (with each bucket's final row), written by {@link StateEntryWriter}, restored by the
 * streaming operator. The retention
 * cleanup timer must come through with the totals: without it a key that never changes again would
 * keep its buckets past retention.
 */
class StateEntryWriterTest {
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    @Test
    void theRollupsTotalsAndItsRetentionTimerComeThroughTheBootstrap() throws Exception {
        List<StateEntry> exported = new ArrayList<>();
        try (var bounded = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT).exportingStateAtEnd(), MetricDelta::rollupKey, Types.STRING)) {
            bounded.open();
            bounded.setProcessingTime(NOW);
            bounded.processElement(new MetricDelta(4L, Metric.LLM_USAGE, NOW - 2 * 3_600_000L, 0.5, 1, 0), NOW);
            bounded.endInput();
            bounded.getOperator().finish();
            for (StreamRecord<StateEntry> r : bounded.getSideOutput(StateExport.ENTRIES)) {
                exported.add(r.getValue());
            }
            // and each bucket's final row, once, for the rollup tables
            assertThat(bounded.getSideOutput(BucketRollup.FINAL_ROWS)).extracting(StreamRecord::getValue)
                    .extracting(r -> r.granularity + " " + r.count + " " + r.value)
                    .containsExactlyInAnyOrder("HOURLY 1 0.5", "DAILY 1 0.5", "MONTHLY 1 0.5");
        }
        assertThat(exported).extracting(e -> e.state)
                .containsExactlyInAnyOrder("totals-hourly", "totals-daily", "totals-monthly", "next-cleanup");

        OperatorSubtaskState savepoint;
        try (var writer = new KeyedOneInputStreamOperatorTestHarness<String, StateEntry, Void>(
                new StateEntryWriter(BucketRollup.keyedStates(), List.of(BucketRollup.CLEANUP_TIMER)), e -> e.key,
                Types.STRING)) {
            writer.open();
            for (StateEntry e : exported) {
                writer.processElement(e, 0);
            }
            assertThat(writer.numProcessingTimeTimers()).as("the key's cleanup timer").isEqualTo(1);
            savepoint = writer.snapshot(1, NOW);
        }

        try (var streaming = new KeyedOneInputStreamOperatorTestHarness<String, MetricDelta, RollupRow>(
                new BucketRollup(RetentionPolicy.DEFAULT).exportingStateAtEnd(), MetricDelta::rollupKey, Types.STRING)) {
            streaming.setProcessingTime(NOW);
            streaming.initializeState(savepoint);
            streaming.open();
            assertThat(streaming.numProcessingTimeTimers()).as("restored cleanup timer").isEqualTo(1);
            // The key never changes again. Its timer fires hourly (each firing arms the next); 31 days
            // on it has dropped the hourly bucket (30 days of retention), not the daily and monthly ones.
            for (long t = NOW; t <= NOW + 31 * DAY; t += 3_600_000L) {
                streaming.setProcessingTime(t);
            }
            assertThat(streaming.numProcessingTimeTimers()).isEqualTo(1);
            streaming.getOperator().finish();
            assertThat(streaming.getSideOutput(StateExport.ENTRIES)).extracting(r -> r.getValue().state)
                    .containsExactlyInAnyOrder("totals-daily", "totals-monthly", "next-cleanup");
        }
    }
}
