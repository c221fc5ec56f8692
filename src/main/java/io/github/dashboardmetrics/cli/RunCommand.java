package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code run}: the streaming job. Locally (bin/dashboard-metrics) it runs on an embedded Flink
 * cluster with the web UI; under {@code flink run} it is submitted to that cluster.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Keep event_metrics_hourly/_daily/_monthly exact from the PostgreSQL change stream.",
                "Checkpoints go under --state-dir; running the same command again resumes from the newest one."})
public class RunCommand implements Callable<Integer> {
    @Mixin
    DatabaseOptions db;

    @Mixin
    OperationsOptions operations;

    @Option(names = "--slot", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Logical replication slot (created when missing). Default: ${DEFAULT-VALUE}.")
    String slot;

    @Option(names = "--publication", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Publication of the captured tables (created or completed when missing). Default: ${DEFAULT-VALUE}.")
    String publication;

    @Option(names = "--startup", defaultValue = "initial", paramLabel = "MODE",
            description = "initial: snapshot the tables, then stream; latest: stream from now on. "
                    + "Only used when there is no checkpoint to resume. Default: ${DEFAULT-VALUE}.")
    String startup;

    @Option(names = "--state-dir", defaultValue = "dashboard-metrics-state", paramLabel = "DIR",
            description = "Checkpoints and savepoints. Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "Restore this savepoint (or retained checkpoint) instead of the newest checkpoint.")
    String fromSavepoint;

    @Option(names = "--flush-interval-ms", defaultValue = "500", paramLabel = "MS",
            description = "How often changed buckets are written. Default: ${DEFAULT-VALUE}.")
    long flushIntervalMs;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "5000", paramLabel = "MS",
            description = "Checkpoint interval. Default: ${DEFAULT-VALUE}.")
    long checkpointIntervalMs;

    @Option(names = "--hourly-retention-days", defaultValue = "30", paramLabel = "DAYS",
            description = "Hourly buckets kept and written (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    int hourlyRetentionDays;

    @Option(names = "--daily-retention-days", defaultValue = "365", paramLabel = "DAYS",
            description = "Daily buckets kept and written (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    int dailyRetentionDays;

    @Option(names = "--monthly-retention-days", defaultValue = "0", paramLabel = "DAYS",
            description = "Monthly buckets kept and written (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    int monthlyRetentionDays;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "Parallelism of the keyed stages. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--web-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Port of the Flink web UI for local runs. Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--keep-existing-rollups",
            description = "On a fresh start with --startup initial, keep rows already in the rollup tables "
                    + "(by default they are removed first, since rows of the Celery task are not exact).")
    boolean keepExistingRollups;

    @Override
    public Integer call() throws Exception {
        JobConfig config = config();
        Configuration conf = MetricsJob.flinkConfiguration(config);
        boolean prometheus = operations.configurePrometheus(conf);
        boolean resuming = MetricsJob.resumes(conf);
        StreamExecutionEnvironment env = environment(conf);
        MetricsJob.build(env, config, operations.cacheInvalidation());
        long removed = MetricsJob.resetRollupsIfFresh(config, conf, keepExistingRollups);
        if (removed > 0) {
            System.out.println("Fresh start from a snapshot: removed " + removed + " existing rollup rows.");
        }
        System.out.println(resuming
                ? "Resuming from " + conf.getString("execution.savepoint.path", "")
                : "Starting fresh (" + startup + ")");
        if (env instanceof LocalStreamEnvironment && webPort != 0) {
            System.out.println("Flink web UI: http://localhost:" + webPort);
        }
        if (prometheus) {
            System.out.println(env instanceof LocalStreamEnvironment
                    ? "Prometheus metrics: http://localhost:" + operations.prometheusPort + "/metrics"
                    : "--prometheus-port only applies to local runs: configure metrics.reporter.prom.* on the cluster");
        }
        env.execute(MetricsJob.JOB_NAME);
        return 0;
    }

    JobConfig config() {
        return new JobConfig(db.source(), db.rollup(), slot, publication, parseStartup(startup), stateDir, fromSavepoint,
                flushIntervalMs, checkpointIntervalMs,
                new RetentionPolicy(hourlyRetentionDays, dailyRetentionDays, monthlyRetentionDays), parallelism, webPort);
    }

    static Startup parseStartup(String value) {
        switch (value) {
            case "initial":
                return Startup.INITIAL;
            case "latest":
                return Startup.LATEST;
            default:
                throw new IllegalArgumentException("--startup must be initial or latest, got: " + value);
        }
    }

    /** The cluster's environment under {@code flink run}; otherwise a local one with the web UI. */
    static StreamExecutionEnvironment environment(Configuration conf) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment) {
            return StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        }
        return env;
    }
}
