package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.monitoring.CollectingReporter;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.MetricRegistryImpl;
import org.apache.flink.runtime.metrics.MetricRegistryTestUtils;
import org.apache.flink.runtime.metrics.ReporterSetup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * A {@link RollupSink} inside Flink's own sink writer operator, driven by an operator test
 * harness: rows in, processing time moved by hand, checkpoints taken; its metrics go to a real
 * metric registry whose reporter the test reads.
 */
final class WriterHarness implements AutoCloseable {
    private final MetricRegistryImpl registry;
    private final OneInputStreamOperatorTestHarness<RollupRow, CommittableMessage<Object>> harness;
    final CollectingReporter metrics = new CollectingReporter();
    private long checkpointId;

    WriterHarness(RollupSink.Settings settings) throws Exception {
        registry = new MetricRegistryImpl(MetricRegistryTestUtils.defaultMetricRegistryConfiguration(),
                List.of(ReporterSetup.forReporter("collect", metrics)));
        TaskMetricGroup task = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
                .addJob(new JobID(), "writer-test")
                .addTask(ExecutionAttemptID.randomId(), "write " + settings.granularity().table());
        MockEnvironment environment = new MockEnvironmentBuilder().setMetricGroup(task).build();
        harness = new OneInputStreamOperatorTestHarness<>(new SinkWriterOperatorFactory<RollupRow, Object>(
                new RollupSink(settings)), environment);
        harness.setProcessingTime(0);
        harness.open();
    }

    void write(RollupRow... rows) throws Exception {
        for (RollupRow row : rows) {
            harness.processElement(row, 0);
        }
    }

    /** What the task does on a checkpoint before passing its barrier on. */
    void checkpoint() throws Exception {
        harness.prepareSnapshotPreBarrier(++checkpointId);
    }

    /** Moves processing time to {@code ms} (firing the timers due by then). */
    void processingTime(long ms) throws Exception {
        harness.setProcessingTime(ms);
    }

    @Override
    public void close() throws Exception {
        try {
            harness.close();
        } finally {
            registry.closeAsync().get();
        }
    }
}
