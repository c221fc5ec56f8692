package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.monitoring.CollectingReporter;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.MetricRegistryImpl;
import org.apache.flink.runtime.metrics.MetricRegistryTestUtils;
import org.apache.flink.runtime.metrics.ReporterSetup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.types.Either;

/**
 * A {@link RollupCommitter} driven by Flink's operator test harness, as its task drives it:
 * rows and positions in, a checkpoint's snapshot taken at its barrier, its completion notified
 * (or not: a crash), the snapshot restored into a new instance. Its metrics go to a real metric
 * registry whose reporter the test reads.
 */
final class CommitterHarness implements AutoCloseable {
    private final MetricRegistryImpl registry;
    private final RollupCommitter committer;
    private final AbstractStreamOperatorTestHarness<Void> harness;
    final CollectingReporter metrics = new CollectingReporter();

    /** A committer started fresh ({@code restore} null) or from a snapshot of an earlier one. */
    CommitterHarness(RollupCommitter.Settings settings, OperatorSubtaskState restore) throws Exception {
        this(settings, restore, committer -> { });
    }

    /** The same, with {@code configure} applied to the committer before it opens. */
    CommitterHarness(RollupCommitter.Settings settings, OperatorSubtaskState restore,
            java.util.function.Consumer<RollupCommitter> configure) throws Exception {
        registry = new MetricRegistryImpl(MetricRegistryTestUtils.defaultMetricRegistryConfiguration(),
                List.of(ReporterSetup.forReporter("collect", metrics)));
        TaskMetricGroup task = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
                .addJob(new JobID(), "committer-test")
                .addTask(ExecutionAttemptID.randomId(), "commit the rollup tables");
        MockEnvironment environment = new MockEnvironmentBuilder().setMetricGroup(task).build();
        committer = new RollupCommitter(settings);
        configure.accept(committer);
        harness = new AbstractStreamOperatorTestHarness<>(committer, environment);
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
    }

    void rows(RollupRow... rows) throws Exception {
        for (RollupRow row : rows) {
            committer.processElement1(new StreamRecord<>(row));
        }
    }

    /** A tracker's emission: {@code changes} more events read, up to {@code lsn}. */
    void progress(long lsn, long sourceTsMs, long changes) throws Exception {
        committer.processElement2(new StreamRecord<>(Either.Left(new SourceProgress(lsn, sourceTsMs, changes))));
    }

    /** An upstream operator's word that checkpoint {@code id}'s barrier came while it was applying a TRUNCATE. */
    void walkingAt(long id) throws Exception {
        committer.processElement2(new StreamRecord<>(Either.Right(id)));
    }

    /** Checkpoint {@code id}'s barrier: its snapshot. */
    OperatorSubtaskState barrier(long id) throws Exception {
        return harness.snapshot(id, id);
    }

    /** The input ended (a bounded run): Flink calls finish() before the last checkpoint. */
    void finish() throws Exception {
        committer.finish();
    }

    int stagedEntries() {
        return committer.stagedEntries();
    }

    /** The pause the committer's last commit set, ms. */
    long lastPauseMs() {
        return committer.lastPauseMs();
    }

    void completed(long id) throws Exception {
        harness.notifyOfCompletedCheckpoint(id);
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
