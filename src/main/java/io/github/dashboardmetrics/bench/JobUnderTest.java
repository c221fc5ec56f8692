package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.JobSlot;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job as {@code run} runs it locally ({@link MetricsJob#flinkConfiguration(JobConfig, String)}),
 * on a mini cluster in the benchmark's JVM: started fresh, or resumed from the newest checkpoint
 * under its state dir, which is what {@code run} does when started again.
 */
final class JobUnderTest {
    final JobClient client;
    final int restPort;
    final boolean resumed;
    final long startedNanos;

    private JobUnderTest(JobClient client, int restPort, boolean resumed, long startedNanos) {
        this.client = client;
        this.restPort = restPort;
        this.resumed = resumed;
        this.startedNanos = startedNanos;
    }

    static JobConfig config(DatabaseTarget target, String slot, Path stateDir, BenchRunner.JobSettings settings, String backend,
            int restPort) {
        return new JobConfig(target, target, slot, BenchRunner.PUBLICATION, Startup.INITIAL, stateDir, null,
                settings.checkpointIntervalMs(backend), RetentionPolicy.DEFAULT, 3_600_000L, settings.parallelism(), restPort)
                .withSnapshotCheckpointIntervalMs(settings.snapshotCheckpointIntervalMs(backend));
    }

    static JobUnderTest start(DatabaseTarget target, String slot, Path stateDir, BenchRunner.JobSettings settings, String backend)
            throws Exception {
        int restPort = BenchRunner.freePort();
        JobConfig config = config(target, slot, stateDir, settings, backend, restPort);
        Configuration conf = MetricsJob.flinkConfiguration(config, backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        MetricsJob.build(env, config);
        long started = System.nanoTime();
        return new JobUnderTest(env.executeAsync(MetricsJob.JOB_NAME), restPort, MetricsJob.resumes(conf), started);
    }

    String id() {
        return client.getJobID().toString();
    }

    private volatile boolean cancelled;

    /** Whether the job has ended; once cancelled its mini cluster is gone and cannot be asked. */
    boolean stopped() {
        if (cancelled) {
            return true;
        }
        try {
            return client.getJobStatus().get().isGloballyTerminalState();
        } catch (Exception clusterGone) {
            return true;
        }
    }

    /** Cancels the job once a checkpoint triggered after now completed (its state kept: retained on cancel). */
    void stopAfterCheckpoint(DatabaseTarget target, String slot) throws Exception {
        if (Checkpoints.awaitTriggeredAfter(restPort, id(), System.currentTimeMillis(), 5 * 60_000) == null) {
            throw new IllegalStateException("the job completed no checkpoint within 5 min");
        }
        cancel(target, slot);
    }

    void cancel(DatabaseTarget target, String slot) throws Exception {
        client.cancel().get();
        cancelled = true;
        JobSlot.awaitInactive(target, slot, Duration.ofSeconds(30));
    }
}
