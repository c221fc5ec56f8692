package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.pipeline.StartupRetry;
import io.github.dashboardmetrics.sink.RollupReset;
import io.github.dashboardmetrics.sink.RollupWrites;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.JobSlot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
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
    KafkaOptions kafka;

    @Mixin
    OperationsOptions operations;

    @Option(names = "--slot", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Logical replication slot (created when missing; unused with --source kafka). Default: ${DEFAULT-VALUE}.")
    String slot;

    @Option(names = "--publication", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Publication of the captured tables (created or completed when missing; unused with --source kafka). "
                    + "Default: ${DEFAULT-VALUE}.")
    String publication;

    @Mixin
    SlotWaitOption slotWait;

    @Option(names = "--startup", defaultValue = "initial", paramLabel = "MODE",
            description = "initial: snapshot the tables, then stream; latest: stream from now on; committed: stream from "
                    + "the slot's confirmed position, which must exist (after a bootstrap: the command it prints). "
                    + "Only used when there is no checkpoint to resume. Default: ${DEFAULT-VALUE}.")
    String startup;

    @Option(names = "--state-dir", defaultValue = "dashboard-metrics-state", paramLabel = "DIR",
            description = "Checkpoints and savepoints. Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "Restore this savepoint (or retained checkpoint) instead of the newest checkpoint.")
    String fromSavepoint;

    @Option(names = "--checkpoint-interval-ms", paramLabel = "MS",
            description = "Checkpoint interval of a local run (on a cluster its configuration decides). "
                    + "Default: 500 with rocksdb, 5000 with hashmap (each heap checkpoint is a full copy of the state).")
    Long checkpointIntervalMs;

    @Option(names = "--snapshot-checkpoint-interval-ms", paramLabel = "MS",
            description = "Checkpoint interval while the initial snapshot is read (Flink's "
                    + "execution.checkpointing.interval-during-backlog; on a cluster its configuration decides): "
                    + "every checkpoint commits the rollup tables, and during the snapshot each commit rewrites "
                    + "nearly every row; a failure in the snapshot reads at most this much again. "
                    + "Default: 60000, or --checkpoint-interval-ms if longer.")
    Long snapshotCheckpointIntervalMs;

    @Option(names = "--state-backend", defaultValue = "rocksdb", paramLabel = "rocksdb|hashmap",
            description = "State backend of a local run: rocksdb (on local disk, incremental checkpoints, as "
                    + "flink-conf/config.yaml) or hashmap (on the heap, full checkpoints: only for small state). "
                    + "Switch backends through a savepoint (--from-savepoint): an incremental RocksDB checkpoint "
                    + "does not restore on hashmap. Default: ${DEFAULT-VALUE}.")
    String stateBackend;

    @Mixin
    RetentionOptions retention;

    @Option(names = "--retention-cleanup-interval-min", defaultValue = "60", paramLabel = "MINUTES",
            description = "How often the job deletes rollup rows past retention, replacing Unstract's cleanup "
                    + "tasks (0 = never; the first run is at start). Default: ${DEFAULT-VALUE}.")
    long retentionCleanupIntervalMin;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "Parallelism of a local run: the snapshot reads N chunks at once (the stream is read"
                    + " by one subtask), the keyed stages run N subtasks; the committer is always 1."
                    + " Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--web-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Port of the Flink web UI for local runs. Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--write-retries", defaultValue = "5", paramLabel = "N",
            description = "Retries of a batch after a transient database error (connection lost, timeout, serialization"
                    + " failure), 0.1 s doubling to at most 1 s apart; then the job fails over to Flink's restart"
                    + " strategy. A row the database refuses (constraint, trigger, value out of range) is not retried:"
                    + " it goes to the dead-letter table. Default: ${DEFAULT-VALUE}.")
    int writeRetries;

    @Option(names = "--reset-rollups", defaultValue = "auto", paramLabel = "WHEN",
            description = {"Empty the rollup tables before the snapshot is read: auto, always or never. "
                    + "auto: on a local run that starts fresh (no checkpoint) with --startup initial; never on a "
                    + "cluster, where main() runs again on every JobManager failover (always is refused in application mode). "
                    + "Rows of the Celery task "
                    + "for buckets without source rows are not rewritten by the job, so a first deployment "
                    + "wants them gone; in production build into shadow tables and promote them instead "
                    + "(docs/deploying.md). Default: ${DEFAULT-VALUE}."})
    String resetRollups;

    @Option(names = "--startup-retry-seconds", defaultValue = "120", paramLabel = "SECONDS",
            description = "Application mode only (main() runs in the JobManager, again on every failover): how long to "
                    + "retry a database that cannot be reached at start before giving up. Elsewhere a start fails at "
                    + "once. Default: ${DEFAULT-VALUE}.")
    int startupRetrySeconds;

    @Override
    public Integer call() throws Exception {
        slotWait.limit(); // refused up front, not once the job is built
        if (startupRetrySeconds < 0) {
            throw new IllegalArgumentException("--startup-retry-seconds must be >= 0, got " + startupRetrySeconds);
        }
        JobConfig config = config();
        RollupWrites writes = new RollupWrites(writeRetries);
        ResetRollups reset = ResetRollups.parse(resetRollups);
        String backend = StateBackendDefaults.parse(stateBackend);
        if (!(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment)) {
            return runOnCluster(config, reset, writes);
        }
        LocalResources.requireWritableDirectory(stateDir, "--state-dir");
        LocalResources.requireFreePort(webPort, "--web-port");
        if (operations.prometheusPort != null) {
            LocalResources.requireFreePort(operations.prometheusPort, "--prometheus-port");
        }
        if (config.fromSavepoint() != null) {
            LocalResources.requireSavepoint(config.fromSavepoint());
            BootstrapHandOff.check(config);
        }
        Configuration conf = MetricsJob.flinkConfiguration(config, backend);
        boolean prometheus = operations.configurePrometheus(conf);
        boolean resuming = MetricsJob.resumes(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        MetricsJob.build(env, config, operations.cacheInvalidation(), writes);
        createSlotIfMissing(config);
        if (reset == ResetRollups.ALWAYS || (reset == ResetRollups.AUTO && !resuming && config.startup() == Startup.INITIAL)) {
            clearRollups(config);
        }
        System.out.println(resuming
                ? "Resuming from " + conf.get(StateRecoveryOptions.SAVEPOINT_PATH)
                : "Starting fresh (" + startup + ")");
        System.out.println("State backend: " + backend + ", checkpoints every " + config.checkpointIntervalMs()
                + " ms (while the initial snapshot is read: " + config.snapshotCheckpointIntervalMs() + " ms) under " + stateDir);
        if (webPort != 0) {
            System.out.println("Flink web UI: http://localhost:" + webPort);
        }
        if (prometheus) {
            System.out.println("Prometheus metrics: http://localhost:" + operations.prometheusPort + "/metrics");
        }
        env.execute(MetricsJob.JOB_NAME);
        return 0;
    }

    /**
     * Under {@code flink run} or the Kubernetes operator: the cluster's configuration decides
     * checkpointing, state backend and restarts, and {@code -s} / the operator restore state.
     */
    private int runOnCluster(JobConfig config, ResetRollups reset, RollupWrites writes) throws Exception {
        CacheInvalidation cache = operations.cacheInvalidation();
        ReadableConfig cluster =
                StreamExecutionEnvironment.getExecutionEnvironment(MetricsJob.jobConfiguration(config)).getConfiguration();
        boolean applicationMode = StartupRetry.applicationMode(cluster);
        String restoring = cluster.get(StateRecoveryOptions.SAVEPOINT_PATH);
        if (restoring != null) { // flink run -s, or the operator's initialSavepointPath: a bootstrap's is checked as locally
            BootstrapHandOff.check(config, restoring, !applicationMode);
        }
        if (applicationMode && reset == ResetRollups.ALWAYS) {
            throw new IllegalArgumentException("--reset-rollups always cannot be used in application mode: main() runs "
                    + "again on every JobManager failover and would empty the rollups under the restored job; empty them "
                    + "once with a local run (or build shadow tables and promote), then deploy without it");
        }
        // In application mode main() runs again on every JobManager failover: a database that is
        // unreachable at that moment is waited for (bounded), and every side effect is idempotent.
        StreamExecutionEnvironment env = StartupRetry.whileUnreachable("the job's databases",
                applicationMode ? Duration.ofSeconds(startupRetrySeconds) : Duration.ZERO, () -> {
                    StreamExecutionEnvironment fresh =
                            StreamExecutionEnvironment.getExecutionEnvironment(MetricsJob.jobConfiguration(config));
                    MetricsJob.build(fresh, config, cache, writes);
                    return fresh;
                });
        createSlotIfMissing(config); // on a JobManager failover it exists
        if (operations.prometheusPort != null) {
            System.out.println("--prometheus-port only applies to local runs: on a cluster, configure "
                    + "metrics.reporter.prom.* in the cluster's configuration");
        }
        if (reset == ResetRollups.ALWAYS) {
            clearRollups(config);
        }
        env.execute(MetricsJob.JOB_NAME);
        return 0;
    }

    /**
     * Creates the job's slot when the source will need one and it is missing, after every check of
     * the build passed and before anything else changes: the wait for open transactions is reported
     * and bounded here ({@link JobSlot}), where Flink CDC's enumerator would wait silently.
     */
    private void createSlotIfMissing(JobConfig config) {
        if (!config.readsKafka() && (config.startup() == Startup.INITIAL || config.startup() == Startup.LATEST)) {
            JobSlot.createIfMissing(config.source(), config.slot(), slotWait.limit(), System.out::println);
        }
    }

    private static void clearRollups(JobConfig config) throws java.sql.SQLException {
        long removed = RollupReset.clearAll(config.rollup());
        System.out.println("Emptied the rollup tables before the snapshot: removed " + removed + " rows.");
    }

    /** When {@code run} empties the rollup tables; see the option's description. */
    enum ResetRollups {
        AUTO, ALWAYS, NEVER;

        static ResetRollups parse(String value) {
            for (ResetRollups r : values()) {
                if (r.name().equalsIgnoreCase(value)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("--reset-rollups must be auto, always or never, got: " + value);
        }
    }

    JobConfig config() {
        JobConfig config = kafka.applyTo(new JobConfig(db.source(), db.rollup(), slot, publication, parseStartup(startup), stateDir, fromSavepoint,
                checkpointIntervalMs != null ? checkpointIntervalMs
                        : StateBackendDefaults.defaultCheckpointIntervalMs(stateBackend),
                retention.policy(),
                retentionCleanupIntervalMin * 60_000L, parallelism, webPort));
        return snapshotCheckpointIntervalMs == null ? config
                : config.withSnapshotCheckpointIntervalMs(snapshotCheckpointIntervalMs);
    }

    static Startup parseStartup(String value) {
        switch (value) {
            case "initial":
                return Startup.INITIAL;
            case "latest":
                return Startup.LATEST;
            case "committed":
                return Startup.COMMITTED;
            default:
                throw new IllegalArgumentException("--startup must be initial, latest or committed, got: " + value);
        }
    }
}
