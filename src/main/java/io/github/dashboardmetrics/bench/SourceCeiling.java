package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.source.CdcSourceFactory;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.JobSlot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The connector's own ceiling: the Flink CDC PostgreSQL source built exactly as the job builds it
 * ({@link CdcSourceFactory#create(CdcSourceFactory.Settings, org.apache.flink.cdc.debezium.DebeziumDeserializationSchema)}:
 * same tables, Debezium properties, startup and parallelism), with {@link CeilingDeserializer}
 * (count, emit one byte) into a discarding sink, checkpointing as the job does.
 *
 * <ol>
 *   <li>Snapshot: from the job's start until every live source row was read, rows/s.</li>
 *   <li>Streaming: once a checkpoint after the snapshot completed, the reader is cancelled (its
 *       checkpoint kept), the caller piles changes up in its slot, and the reader restarts from
 *       that checkpoint; from the restart until the last piled change was read, changes/s.</li>
 * </ol>
 */
final class SourceCeiling implements AutoCloseable {
    static final String SLOT = "dashboard_metrics_bench_ceiling";
    static final String JOB_NAME = "source-ceiling";
    static final long TIMEOUT_MS = 30 * 60_000;

    private final DatabaseTarget target;
    private final CdcSourceFactory.Settings settings;
    private final int parallelism;
    private final long checkpointIntervalMs;
    private final Path checkpoints;
    private final Consumer<String> progress;
    private JobClient job;
    private int restPort;

    SourceCeiling(DatabaseTarget target, String publication, List<String> tables, int parallelism, long checkpointIntervalMs,
            Path stateDir, Consumer<String> progress) {
        this.target = target;
        this.settings = new CdcSourceFactory.Settings(target, SLOT, publication, Startup.INITIAL, tables);
        this.parallelism = parallelism;
        this.checkpointIntervalMs = checkpointIntervalMs;
        this.checkpoints = stateDir.toAbsolutePath().resolve("ceiling-checkpoints");
        this.progress = progress;
    }

    private void start(boolean resume) throws Exception {
        Configuration conf = StateBackendDefaults.local(StateBackendDefaults.HASHMAP); // state: source splits only
        conf.setString("execution.checkpointing.interval", checkpointIntervalMs + " ms");
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
        conf.setString("parallelism.default", Integer.toString(parallelism));
        restPort = BenchRunner.freePort();
        conf.setString("rest.port", Integer.toString(restPort));
        conf.setString("rest.bind-address", "localhost");
        if (resume) {
            Path from = CheckpointLocator.latestCompleted(checkpoints)
                    .orElseThrow(() -> new IllegalStateException("the source ceiling left no checkpoint to resume"));
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, from.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        env.fromSource(CdcSourceFactory.create(settings, new CeilingDeserializer()), WatermarkStrategy.noWatermarks(),
                        "PostgreSQL change stream (" + SLOT + ")")
                .uid("postgres-cdc-source")
                .setParallelism(parallelism) // as MetricsJob's source: the job's parallelism
                .sinkTo(new DiscardingSink<>())
                .name("discard");
        CeilingDeserializer.reset();
        job = env.executeAsync(JOB_NAME);
    }

    /** Snapshot: seconds until {@code liveRows} rows were read; leaves the reader streaming. */
    double snapshot(long liveRows) throws Exception {
        long started = System.nanoTime();
        start(false);
        awaitCount(CeilingDeserializer.READS, liveRows, started, 20, "rows read");
        return (System.nanoTime() - started) / 1e9;
    }

    /** Cancels the reader once a checkpoint taken after now completed; its slot keeps the position. */
    void stopAfterCheckpoint() throws Exception {
        long now = System.currentTimeMillis();
        if (Checkpoints.awaitTriggeredAfter(restPort, job.getJobID().toString(), now, 120_000) == null) {
            throw new IllegalStateException("the source ceiling completed no checkpoint within 2 min");
        }
        job.cancel().get();
        job = null;
        JobSlot.awaitInactive(target, SLOT, Duration.ofSeconds(30));
    }

    /** The result of a drain: changes read, seconds from the restart to the last one, and to the first. */
    record Drain(long changes, double seconds, double firstChangeSeconds) {
        double perSecond() {
            return seconds > 0 ? changes / seconds : 0;
        }
    }

    /** Restarts the reader from its checkpoint and times it until {@code changes} changes were read. */
    Drain drain(long changes) throws Exception {
        long started = System.nanoTime();
        start(true);
        awaitCount(CeilingDeserializer.CHANGES, changes, started, 5, "of " + String.format("%,d", changes) + " changes read");
        long first = CeilingDeserializer.FIRST_CHANGE_NANOS.get();
        long last = CeilingDeserializer.LAST_CHANGE_NANOS.get();
        return new Drain(CeilingDeserializer.CHANGES.get(), (last - started) / 1e9, (first - started) / 1e9);
    }

    /**
     * Polls {@code counter} every {@code pollMs} until it reaches {@code target}, saying how far it
     * got every 10 s, and fails after {@link #TIMEOUT_MS} from {@code started}.
     */
    private void awaitCount(java.util.concurrent.atomic.AtomicLong counter, long target, long started, long pollMs,
            String what) throws Exception {
        long nextSay = started + 10_000_000_000L;
        while (counter.get() < target) {
            check(started);
            if (System.nanoTime() > nextSay) {
                say("      %.0f s: %,d %s", (System.nanoTime() - started) / 1e9, counter.get(), what);
                nextSay += 10_000_000_000L;
            }
            Thread.sleep(pollMs);
        }
    }

    private void check(long started) throws Exception {
        if (System.nanoTime() > started + TIMEOUT_MS * 1_000_000) {
            throw new IllegalStateException("the source ceiling did not finish within " + TIMEOUT_MS / 60_000 + " min");
        }
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            throw new IllegalStateException("the source ceiling stopped: " + job.getJobStatus().get());
        }
    }

    private void say(String format, Object... args) {
        progress.accept(String.format(Locale.ROOT, format, args));
    }

    /** Cancels the reader (if running) and drops its slot. */
    @Override
    public void close() throws Exception {
        if (job != null) {
            job.cancel().get();
            job = null;
        }
        JobSlot.dropWhenInactive(target, SLOT, Duration.ofMinutes(1));
    }
}
