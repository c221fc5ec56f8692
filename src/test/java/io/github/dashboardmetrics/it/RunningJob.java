package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.monitoring.PrometheusEndpoint;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.sink.RollupReset;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The real job (CDC source, pipeline, rollup writers) running on a local Flink mini cluster inside the
 * test JVM, started the way {@code run} starts it: resuming from the newest retained checkpoint
 * under the state dir when there is one.
 */
final class RunningJob implements AutoCloseable {
    private final JobClient client;
    final boolean resumed;

    private RunningJob(JobClient client, boolean resumed) {
        this.client = client;
        this.resumed = resumed;
    }

    static RunningJob start(JobConfig config) throws Exception {
        return start(config, null, null);
    }

    /**
     * @param cacheInvalidation Redis to invalidate after hourly commits, or null
     * @param prometheusPort    port of the Prometheus endpoint of the mini cluster, or null
     */
    static RunningJob start(JobConfig config, CacheInvalidation cacheInvalidation, Integer prometheusPort)
            throws Exception {
        Configuration conf = MetricsJob.flinkConfiguration(config);
        conf.setString("rest.port", "0");
        if (prometheusPort != null) {
            PrometheusEndpoint.configure(conf, prometheusPort);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MetricsJob.build(env, config, cacheInvalidation);
        if (!MetricsJob.resumes(conf)) {
            RollupReset.clearAll(config.rollup()); // what `run` does on a fresh local start
        }
        return new RunningJob(env.executeAsync(MetricsJob.JOB_NAME), MetricsJob.resumes(conf));
    }

    JobStatus status() throws Exception {
        return client.getJobStatus().get();
    }

    /** Stops the job abruptly (no savepoint): what a crash leaves behind is the last retained checkpoint. */
    @Override
    public void close() throws Exception {
        client.cancel().get();
        try {
            // Returns once the job has stopped (and its mini cluster with it); a cancelled job
            // reports its cancellation as an exception.
            client.getJobExecutionResult().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // cancelled
        }
    }
}
