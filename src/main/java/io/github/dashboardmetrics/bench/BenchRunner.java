package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the benchmark's phases in order on one embedded PostgreSQL:
 * load the dataset; snapshot (the job's initial snapshot, timed until the rollups are exact);
 * stream at increasing rates with the freshness probe; read state, heap and rows written; stop
 * the job; replay the Celery task (twice: cold, then warm); read the raw pgoutput slot.
 */
public final class BenchRunner {
    static final String SCHEMA = "unstract";
    static final String SLOT = "dashboard_metrics_bench";
    static final String PUBLICATION = "dashboard_metrics_bench";
    /** Longer than PostgreSQL's idle statistics flush interval (10 s), so table statistics are current. */
    static final long STATS_SETTLE_MS = 11_000;
    static final long SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

    /**
     * How the job under test runs: its flush interval, checkpoint interval and state backend
     * ({@code hashmap}: heap state, full checkpoints, as local runs; {@code rocksdb}: incremental
     * checkpoints, as flink-conf/config.yaml configures a cluster).
     */
    public record JobSettings(long flushIntervalMs, long checkpointIntervalMs, String stateBackend) {
        public JobSettings {
            if (flushIntervalMs <= 0) {
                throw new IllegalArgumentException("--flush-interval-ms must be > 0");
            }
            if (checkpointIntervalMs < 100) {
                throw new IllegalArgumentException("--checkpoint-interval-ms must be >= 100");
            }
            if (!stateBackend.equals("rocksdb") && !stateBackend.equals("hashmap")) {
                throw new IllegalArgumentException("--state-backend must be rocksdb or hashmap, got: " + stateBackend);
            }
        }
    }

    private final BenchProfile profile;
    private final long seed;
    private final JobSettings job;
    private final Consumer<String> progress;

    public BenchRunner(BenchProfile profile, long seed, JobSettings job, Consumer<String> progress) {
        this.profile = profile;
        this.seed = seed;
        this.job = job;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        double[] loadStart = JvmAndState.loadAverage();
        long benchStart = System.nanoTime();
        Path stateDir = Files.createTempDirectory("dashboard-metrics-bench-");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(); JvmAndState jvm = new JvmAndState()) {
            db.createUnstractSchema(SCHEMA, true);
            DatabaseTarget target = db.target(SCHEMA);
            say("PostgreSQL %s (embedded); load average %.2f %.2f %.2f; seed %d", db.jdbcUrl(), loadStart[0], loadStart[1],
                    loadStart[2], seed);

            say("[1/6] Loading the dataset: %d organisations, %d months, ~%,d rows...", profile.organizations(),
                    profile.historyMonths(), profile.rows());
            DatasetLoader.Stats dataset = DatasetLoader.load(target, profile, (seed % 1000) / 1000.0);
            say("      %,d rows in %.1f s %s", dataset.totalRows(), dataset.seconds(), dataset.rowsPerTable());
            SnapshotJudge judge = new SnapshotJudge(target);
            say("      expected rollup rows: %,d", judge.expectedRows());

            say("[2/6] Snapshot: starting the job (initial snapshot, then streaming)...");
            int restPort = freePort();
            JobConfig config = new JobConfig(target, target, SLOT, PUBLICATION, Startup.INITIAL, stateDir, null,
                    job.flushIntervalMs(), job.checkpointIntervalMs(), RetentionPolicy.DEFAULT, 3_600_000L, 1, restPort);
            Configuration conf = MetricsJob.flinkConfiguration(config);
            conf.setString("state.backend.type", job.stateBackend());
            conf.setString("execution.checkpointing.incremental", Boolean.toString(job.stateBackend().equals("rocksdb")));
            say("      state backend %s, checkpoints every %d ms, flush interval %d ms", job.stateBackend(),
                    job.checkpointIntervalMs(), job.flushIntervalMs());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            MetricsJob.build(env, config);
            long snapshotStart = System.nanoTime();
            JobClient jobClient = env.executeAsync(MetricsJob.JOB_NAME);
            long nextSay = System.nanoTime();
            while (!judge.totalsMatch()) {
                if (System.nanoTime() > snapshotStart + SNAPSHOT_TIMEOUT_MS * 1_000_000) {
                    throw new IllegalStateException("the snapshot's rollups were not exact after " + SNAPSHOT_TIMEOUT_MS / 60_000 + " min");
                }
                if (jobClient.getJobStatus().get().isGloballyTerminalState()) {
                    throw new IllegalStateException("the job stopped during the snapshot: " + jobClient.getJobStatus().get());
                }
                if (System.nanoTime() > nextSay) {
                    say("      %.0f s...", (System.nanoTime() - snapshotStart) / 1e9);
                    nextSay += 10_000_000_000L;
                }
                Thread.sleep(200);
            }
            double snapshotSeconds = (System.nanoTime() - snapshotStart) / 1e9;
            long statsReady = System.currentTimeMillis() + STATS_SETTLE_MS;
            VerifyReport snapshotCheck = SnapshotJudge.verify(target);
            say("      %,d source rows in %.1f s = %,.0f rows/s; verify: %s", dataset.totalRows(), snapshotSeconds,
                    dataset.totalRows() / snapshotSeconds, snapshotCheck.isEqual() ? "exact" : "DIFFERENCES");
            if (!snapshotCheck.isEqual()) {
                say("%s", snapshotCheck.summary(5));
            }

            say("[3/6] Streaming at increasing rates (%d s each) with freshness probes...", profile.stepSeconds());
            RawDecodeReader.dropSlot(target);
            RawDecodeReader.createSlot(target);
            Thread.sleep(Math.max(0, statsReady - System.currentTimeMillis()));
            long rollupWritesBefore = JvmAndState.rollupRowsWritten(target);
            say("      (the snapshot wrote %,d rollup rows for %,d expected)", rollupWritesBefore, judge.expectedRows());
            List<StepResult> steps;
            long streamChanges;
            try (ChangeWorkload workload = new ChangeWorkload(target, profile.organizations(), seed);
                    FreshnessProbe probe = new FreshnessProbe(target, profile.organizations())) {
                steps = new RateSteps(workload, probe, target, SLOT, progress).run(profile.rates(), profile.stepSeconds());
                streamChanges = workload.changes();
            }
            boolean streamExact = false;
            for (int attempt = 0; attempt < 5 && !streamExact; attempt++) {
                Thread.sleep(2_000);
                streamExact = SnapshotJudge.verify(target).isEqual();
            }
            say("      rollups exact after streaming: %s", streamExact);

            say("[4/6] State, heap, rows written...");
            long stateBytes = JvmAndState.checkpointStateBytes(restPort, jobClient.getJobID().toString());
            double heapPeak = jvm.peakHeapMb();
            jobClient.cancel().get();
            double heapAfterGc = jvm.heapAfterGcMb();
            Thread.sleep(1_000); // the writers' connections closed: their statistics are flushed
            long rollupWrites = JvmAndState.rollupRowsWritten(target) - rollupWritesBefore;
            say("      state %.1f MB, heap peak %.0f MB (after GC %.0f MB), %,d rollup rows written for %,d changes",
                    stateBytes / 1048576.0, heapPeak, heapAfterGc, rollupWrites, streamChanges);

            say("[5/6] Celery task replay (one run cold, one warm)...");
            CeleryReplay celery = new CeleryReplay(target);
            celery.createShadowTables();
            CeleryReplay.Run cold = celery.run();
            CeleryReplay.Run warm = celery.run();
            say("      %d active organisations, %d statements (%d reads), %.2f s cold, %.2f s warm", warm.activeOrganizations(),
                    warm.statements(), warm.reads(), cold.seconds(), warm.seconds());

            say("[6/6] Raw pgoutput decoding of the streamed changes...");
            RawDecodeReader.Result raw = RawDecodeReader.read(db, PUBLICATION, streamChanges, 5_000);
            RawDecodeReader.dropSlot(target);
            say("      %,d changes in %.2f s = %,.0f changes/s", raw.changes(), raw.seconds(), raw.perSecond());
            if (raw.changes() != streamChanges) {
                say("      note: %,d changes were written, %,d decoded", streamChanges, raw.changes());
            }
            say("Done in %.1f min.", (System.nanoTime() - benchStart) / 6e10);
            return new BenchReport(profile, loadStart, JvmAndState.loadAverage(), dataset.rowsPerTable(), dataset.seconds(),
                    dataset.totalRows(), snapshotSeconds, snapshotCheck.isEqual(), rollupWritesBefore, steps, streamExact, streamChanges,
                    rollupWrites, heapPeak, heapAfterGc, stateBytes, cold, warm, raw);
        } finally {
            deleteRecursively(stateDir);
        }
    }

    private void say(String format, Object... args) {
        progress.accept(String.format(Locale.ROOT, format, args));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
