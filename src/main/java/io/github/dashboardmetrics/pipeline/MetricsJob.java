package io.github.dashboardmetrics.pipeline;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.sink.DeadLetterSink;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.sink.RetentionCleaner;
import io.github.dashboardmetrics.sink.RollupCommits;
import io.github.dashboardmetrics.sink.RollupCommitter;
import io.github.dashboardmetrics.sink.RollupWrites;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.source.CdcSourceFactory;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.DebeziumTopics;
import io.github.dashboardmetrics.source.DecodeChanges;
import io.github.dashboardmetrics.source.KafkaPreflight;
import io.github.dashboardmetrics.source.KafkaSourceFactory;
import io.github.dashboardmetrics.source.PositionMark;
import io.github.dashboardmetrics.source.SourcePreflight;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles the whole job: preflight, CDC source (or Debezium's topics on Kafka), pipeline, JDBC sinks, checkpointing. */
public final class MetricsJob {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsJob.class);
    public static final String JOB_NAME = "dashboard-metrics";

    private MetricsJob() {}

    /** Flink settings of a local run on the default state backend (RocksDB, see {@link StateBackendDefaults}). */
    public static Configuration flinkConfiguration(JobConfig config) {
        return flinkConfiguration(config, StateBackendDefaults.ROCKSDB);
    }

    /**
     * Flink settings of a local run: the state backend ({@code rocksdb} or {@code hashmap}) and its
     * tuning, checkpoints under the state dir, restarts, the web UI, and resuming.
     */
    public static Configuration flinkConfiguration(JobConfig config, String stateBackend) {
        Configuration conf = StateBackendDefaults.local(stateBackend);
        Path checkpoints = config.stateDir().toAbsolutePath().resolve("checkpoints");
        Path savepoints = config.stateDir().toAbsolutePath().resolve("savepoints");
        conf.setString("execution.checkpointing.interval", config.checkpointIntervalMs() + " ms");
        conf.setString("execution.checkpointing.interval-during-backlog", config.snapshotCheckpointIntervalMs() + " ms");
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.setString("execution.checkpointing.num-retained", "2");
        conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", savepoints.toUri().toString());
        conf.setString("restart-strategy.type", "exponential-delay");
        conf.setString("restart-strategy.exponential-delay.initial-backoff", "1 s");
        conf.setString("restart-strategy.exponential-delay.max-backoff", "1 min");
        conf.addAll(jobConfiguration(config));
        conf.setString("parallelism.default", Integer.toString(config.parallelism()));
        conf.setString("rest.port", Integer.toString(config.webPort()));
        conf.setString("rest.address", "localhost");
        conf.setString("rest.bind-address", "localhost");
        Optional<String> restoreFrom = config.fromSavepoint() != null
                ? Optional.of(config.fromSavepoint())
                : CheckpointLocator.latestCompleted(checkpoints).map(p -> p.toUri().toString());
        restoreFrom.ifPresent(path -> {
            LOG.info("Resuming from {}", path);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path);
        });
        return conf;
    }

    /** Whether a run with this configuration restores state (a checkpoint or a given savepoint). */
    public static boolean resumes(Configuration conf) {
        return conf.get(StateRecoveryOptions.SAVEPOINT_PATH) != null;
    }

    /**
     * The settings the job itself insists on wherever it runs; everything else (checkpointing,
     * state backend, restarts) is the cluster's configuration (see flink-conf/config.yaml).
     */
    public static Configuration jobConfiguration(JobConfig config) {
        Configuration conf = new Configuration();
        // Every state and record type has a Flink serializer: a Kryo fallback is a bug, not a default.
        conf.setString("pipeline.generic-types", "false");
        // Fixed by the first checkpoint; why 128: StateBackendDefaults.
        conf.setString("pipeline.max-parallelism", StateBackendDefaults.SHARED.get("pipeline.max-parallelism"));
        return conf;
    }

    /** Adds the job's operators to {@code env}; checks the databases (and brokers) first. */
    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        build(env, config, null);
    }

    /** The same, deleting Unstract's cached dashboard hours after each hourly commit ({@code null}: off). */
    public static void build(StreamExecutionEnvironment env, JobConfig config, CacheInvalidation cacheInvalidation) {
        build(env, config, cacheInvalidation, RollupWrites.DEFAULT);
    }

    /** The same, with the committer's retries ({@code run}'s --write-retries). */
    public static void build(StreamExecutionEnvironment env, JobConfig config, CacheInvalidation cacheInvalidation,
            RollupWrites writes) {
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            // The rollup emits its rows at checkpoint barriers: without checkpoints nothing is ever written.
            throw new IllegalArgumentException("checkpointing is off, and the job writes the rollup tables at"
                    + " checkpoints: set execution.checkpointing.interval (for example 1 s)");
        }
        ChangeMessages source = config.readsKafka() ? kafkaMessages(env, config) : postgresMessages(env, config);
        SingleOutputStreamOperator<RowChange> changes = MetricsPipeline.decode(source.messages());
        changes.getSideOutput(DecodeChanges.DEAD_LETTERS)
                .sinkTo(new DeadLetterSink(config.rollup()))
                .name("write " + DeadLetterTable.TABLE)
                .uid("write-dead-letters");
        MetricsPipeline.Rollups rollups = MetricsPipeline.fromChanges(changes,
                new MetricsPipeline.Settings(config.retention()), null);
        // One committer: each completed checkpoint's rows of all three tables in one transaction.
        RollupCommits.attach(rollups.rows(), rollups.walkingAtBarriers(), changes, new RollupCommitter.Settings(config.rollup(),
                source.rollupBesideOrganization(), writes.maxRetries(), cacheInvalidation,
                RollupCommitter.PAUSE_AFTER_COMMIT, source.markSourcePosition()));
        if (config.retentionCleanupIntervalMs() > 0) {
            env.addSource(new RetentionCleaner(config.rollup(), config.retention(), config.retentionCleanupIntervalMs()))
                    .returns(Void.class)
                    .name("delete rollup rows past retention")
                    .uid("retention-cleaner")
                    .setParallelism(1)
                    .sinkTo(new DiscardingSink<>())
                    .name("(nothing to write)")
                    .uid("retention-cleaner-sink")
                    .setParallelism(1);
        }
    }

    /** Debezium JSON change events, and whether the rollup tables sit beside {@code organization}. */
    /**
     * @param markSourcePosition the committer ends every commit with a {@link PositionMark}: the
     *     rollups live in the database the job streams from
     */
    private record ChangeMessages(DataStream<ChangeMessage> messages, boolean rollupBesideOrganization,
            boolean markSourcePosition) {}

    /** The job's own replication slot through Flink CDC; the preflight checks both databases. */
    private static ChangeMessages postgresMessages(StreamExecutionEnvironment env, JobConfig config) {
        SourcePreflight.Result checked = SourcePreflight.check(config.source(), config.rollup(), config.publication());
        boolean markSourcePosition = PositionMark.sameDatabase(config.source(), config.rollup());
        if (markSourcePosition) {
            SourcePreflight.requirePositionMarkPrivilege(config.rollup());
        }
        // In application mode main() runs again after a JobManager failover, while this job's own
        // source (restored, or not yet cancelled) may hold the slot: not a second job.
        SourcePreflight.requireSlotAvailable(config.source(), config.slot(),
                StartupRetry.applicationMode(env.getConfiguration()));
        if (config.startup() == CdcSourceFactory.Startup.COMMITTED) {
            // Flink CDC starts at the end of the WAL when the slot is missing: refuse instead.
            SourcePreflight.requireSlotToResume(config.source(), config.slot(), null);
        }
        CdcSourceFactory.Settings sourceSettings = new CdcSourceFactory.Settings(config.source(), config.slot(),
                config.publication(), config.startup(), checked.capturedTables());
        DataStream<ChangeMessage> messages = env
                .fromSource(CdcSourceFactory.create(sourceSettings), WatermarkStrategy.noWatermarks(),
                        "PostgreSQL change stream (" + config.slot() + ")")
                .uid("postgres-cdc-source")
                // With parallelism N the snapshot reads N chunks at once; the stream is read by one
                // subtask. Decoding stays on the source's subtask (forward), so each row's changes
                // keep their order up to the keyed state, which orders snapshot reads and streamed
                // changes of a row by their positions.
                .setParallelism(config.parallelism());
        return new ChangeMessages(messages, checked.rollupBesideOrganization(), markSourcePosition);
    }

    /**
     * Debezium's topics on Kafka instead of a slot of the job's own: only the rollup database and
     * the brokers are checked. The source runs with the job's parallelism (each partition is read
     * by one subtask, in order).
     */
    private static ChangeMessages kafkaMessages(StreamExecutionEnvironment env, JobConfig config) {
        boolean rollupBesideOrganization = SourcePreflight.checkRollupTables(config.rollup());
        String schema = config.source().schema();
        KafkaPreflight.check(config.kafka(), schema, KafkaPreflight.DEFAULT_TIMEOUT);
        DataStream<ChangeMessage> messages = env
                .fromSource(KafkaSourceFactory.create(config.kafka(), schema, config.startup()),
                        WatermarkStrategy.noWatermarks(),
                        "Debezium topics " + DebeziumTopics.topic(config.kafka().topicPrefix(), schema, "*"))
                .uid("kafka-debezium-source");
        return new ChangeMessages(messages, rollupBesideOrganization, false); // the Kafka Connect worker reads the WAL
    }
}
