package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.bootstrap.Bootstrap;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.RollupReset;
import io.github.dashboardmetrics.source.JobSlot;
import io.github.dashboardmetrics.source.SlotCreationWait;
import io.github.dashboardmetrics.source.SourcePreflight;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.flink.util.FileUtils;

/**
 * Runs the benchmark's phases in order on one embedded PostgreSQL, all on the same data:
 * <ol>
 *   <li>load the dataset (set-based SQL);</li>
 *   <li>the source ceiling ({@link SourceCeiling}): the Flink CDC source alone reads the snapshot,
 *       is stopped, a pile of changes is written, and it drains them; PostgreSQL's own pgoutput
 *       decoding of the same pile ({@link RawDecodeReader});</li>
 *   <li>for each state backend: the job's snapshot until the rollups are exact; the size of the
 *       first checkpoint after it; streaming at increasing rates with freshness probes; catch-up:
 *       the job stopped (state kept), the same number of changes piled up, the job restarted from
 *       its checkpoint and timed until a probe committed after the pile is visible;</li>
 *   <li>the Celery task replayed on the same data (cold, then warm).</li>
 * </ol>
 * The {@code scale} profile runs only the load and the RocksDB snapshot; {@code restore} only the
 * load and {@link RestoreMeasurement}.
 */
public final class BenchRunner {
    static final String SCHEMA = "unstract";
    static final String SLOT = "dashboard_metrics_bench";
    static final String PUBLICATION = "dashboard_metrics_bench";
    /** Longer than PostgreSQL's idle statistics flush interval (10 s), so table statistics are current. */
    static final long STATS_SETTLE_MS = 11_000;
    static final long SNAPSHOT_TIMEOUT_MS = 90 * 60_000;
    /** Changes per transaction while piling changes up for a drain. */
    static final int PILE_TRANSACTION = 500;

    /**
     * How the job under test runs: its checkpoint interval and the one while it reads the initial
     * snapshot (null: {@code run}'s defaults for each backend) and the state backends to measure,
     * in order ({@code rocksdb}: incremental checkpoints, the default of {@code run}; {@code hashmap}:
     * heap, full checkpoints), and whether the bootstrap defers the rollup tables' indexes
     * ({@code bootstrap --defer-indexes}: the benchmark's tables are emptied first and nobody reads them).
     */
    public record JobSettings(Long checkpointIntervalMs, Long snapshotCheckpointIntervalMs, List<String> stateBackends,
            int parallelism, boolean bootstrapDefersIndexes) {
        /** At parallelism 1. */
        public JobSettings(Long checkpointIntervalMs, Long snapshotCheckpointIntervalMs, List<String> stateBackends) {
            this(checkpointIntervalMs, snapshotCheckpointIntervalMs, stateBackends, 1);
        }

        /** The bootstrap keeping the indexes up to date, as on tables with rows. */
        public JobSettings(Long checkpointIntervalMs, Long snapshotCheckpointIntervalMs, List<String> stateBackends,
                int parallelism) {
            this(checkpointIntervalMs, snapshotCheckpointIntervalMs, stateBackends, parallelism, false);
        }

        public JobSettings {
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
            }
            if (checkpointIntervalMs != null && checkpointIntervalMs < 100) {
                throw new IllegalArgumentException("--checkpoint-interval-ms must be >= 100");
            }
            if (snapshotCheckpointIntervalMs != null && checkpointIntervalMs != null
                    && snapshotCheckpointIntervalMs < checkpointIntervalMs) {
                throw new IllegalArgumentException("--snapshot-checkpoint-interval-ms must be >= --checkpoint-interval-ms");
            }
            if (stateBackends.isEmpty()) {
                throw new IllegalArgumentException("--state-backend needs rocksdb, hashmap or both");
            }
            stateBackends = stateBackends.stream().map(StateBackendDefaults::parse).distinct().toList();
        }

        /** The checkpoint interval the job gets on {@code backend}. */
        public long checkpointIntervalMs(String backend) {
            return checkpointIntervalMs != null ? checkpointIntervalMs : StateBackendDefaults.defaultCheckpointIntervalMs(backend);
        }

        /** The checkpoint interval the job gets on {@code backend} while it reads the initial snapshot. */
        public long snapshotCheckpointIntervalMs(String backend) {
            return snapshotCheckpointIntervalMs != null ? snapshotCheckpointIntervalMs
                    : StateBackendDefaults.defaultSnapshotCheckpointIntervalMs(checkpointIntervalMs(backend));
        }
    }

    private final BenchProfile profile;
    private final long seed;
    private final JobSettings job;
    private final Consumer<String> progress;
    private final JfrPhases jfr;

    public BenchRunner(BenchProfile profile, long seed, JobSettings job, Consumer<String> progress) {
        this(profile, seed, job, progress, null);
    }

    /** @param jfrDir where to write JFR recordings of each backend's snapshot and catch-up, or null */
    public BenchRunner(BenchProfile profile, long seed, JobSettings job, Consumer<String> progress, Path jfrDir) {
        this.profile = profile;
        this.seed = seed;
        this.job = job;
        this.progress = progress;
        this.jfr = new JfrPhases(jfrDir);
    }

    public BenchReport run() throws Exception {
        double[] loadStart = JvmAndState.loadAverage();
        long benchStart = System.nanoTime();
        Path stateDir = Files.createTempDirectory("dashboard-metrics-bench-");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(); JvmAndState jvm = new JvmAndState()) {
            db.createUnstractSchema(SCHEMA, true);
            DatabaseTarget target = db.target(SCHEMA);
            say("PostgreSQL %s (embedded); load average %.2f %.2f %.2f; seed %d; %d cores, max heap %.0f MB", db.jdbcUrl(),
                    loadStart[0], loadStart[1], loadStart[2], seed, Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() / 1048576.0);
            int phases = profile.isRestore() ? 2 : profile.isScale() ? 3 : 4 + job.stateBackends().size();
            int phase = 1;
            say("[%d/%d] Loading the dataset: %d organisations, %d months, ~%,d rows...", phase++, phases, profile.organizations(),
                    profile.historyMonths(), profile.rows());
            DatasetLoader.Stats dataset = DatasetLoader.load(target, profile, (seed % 1000) / 1000.0);
            say("      %,d rows in %.1f s %s", dataset.totalRows(), dataset.seconds(), dataset.rowsPerTable());

            BenchReport.Ceiling ceiling = null;
            RawDecodeReader.Result raw = null;
            List<BackendRun> backends = new ArrayList<>();
            RestoreMeasurement.Result restore = null;
            BenchReport.BootstrapRun bootstrap = null;
            CeleryReplay.Run cold = null;
            CeleryReplay.Run warm = null;
            if (profile.isRestore()) {
                String backend = job.stateBackends().get(0);
                say("[%d/%d] Restore: run in a child JVM (%s) snapshots %,d rows, SIGKILL after a checkpoint, same command again...",
                        phase++, phases, backend, dataset.totalRows());
                restore = RestoreMeasurement.measure(db, target, profile.organizations(), seed, backend, job, stateDir, progress);
            } else if (profile.isScale()) {
                say("[%d/%d] Scale: the job on RocksDB until verify says exact...", phase++, phases);
                backends.add(backend(target, StateBackendDefaults.ROCKSDB, stateDir, jvm, false));
                say("[%d/%d] Bootstrap at parallelism %d on RocksDB, in a JVM of its own: bulk read, savepoint, rollups written...",
                        phase++, phases, job.parallelism());
                bootstrap = childBootstrap(db, target, stateDir, StateBackendDefaults.ROCKSDB);
            } else {
                say("[%d/%d] Source ceiling: the Flink CDC source alone (job's settings) into a discarding sink...", phase++, phases);
                List<String> tables = SourcePreflight.check(target, target, PUBLICATION).capturedTables();
                try (SourceCeiling reader = new SourceCeiling(target, PUBLICATION, tables, job.parallelism(), job.checkpointIntervalMs(job.stateBackends().get(0)), stateDir,
                        progress)) {
                    long live = Slots.liveSourceRows(target);
                    double seconds = reader.snapshot(live);
                    say("      snapshot: %,d rows in %.1f s = %,.0f rows/s", live, seconds, live / seconds);
                    reader.stopAfterCheckpoint();
                    RawDecodeReader.dropSlot(target);
                    RawDecodeReader.createSlot(target);
                    long piled = pile(target, profile.catchupChanges(), seed + 1, null);
                    SourceCeiling.Drain drain = reader.drain(piled);
                    say("      streaming: %,d piled-up changes drained in %.2f s = %,.0f changes/s (first after %.2f s)",
                            drain.changes(), drain.seconds(), drain.perSecond(), drain.firstChangeSeconds());
                    ceiling = new BenchReport.Ceiling(live, seconds, drain);
                    raw = RawDecodeReader.read(db, PUBLICATION, piled, 5_000);
                    RawDecodeReader.dropSlot(target);
                    say("      raw pgoutput decoding of the same changes: %,d in %.2f s = %,.0f changes/s", raw.changes(), raw.seconds(),
                            raw.perSecond());
                }
                for (String backend : job.stateBackends()) {
                    say("[%d/%d] The job on %s: snapshot, streaming, catch-up...", phase++, phases, backend);
                    backends.add(backend(target, backend, stateDir, jvm, true));
                }
                String bootstrapBackend = job.stateBackends().get(0);
                say("[%d/%d] Bootstrap at parallelism %d on %s: bulk read of one exported snapshot, savepoint, rollups written...",
                        phase++, phases, job.parallelism(), bootstrapBackend);
                bootstrap = bootstrap(target, stateDir, bootstrapBackend, jvm);
                say("[%d/%d] Celery task replay (one run cold, one warm)...", phase++, phases);
                CeleryReplay celery = new CeleryReplay(target);
                celery.createShadowTables();
                cold = celery.run();
                warm = celery.run();
                say("      %d active organisations, %d statements (%d reads), %.2f s cold, %.2f s warm", warm.activeOrganizations(),
                        warm.statements(), warm.reads(), cold.seconds(), warm.seconds());
            }
            say("Done in %.1f min.", (System.nanoTime() - benchStart) / 6e10);
            return new BenchReport(profile, job, loadStart, JvmAndState.loadAverage(), dataset.rowsPerTable(), dataset.seconds(),
                    dataset.totalRows(), ceiling, backends, bootstrap, cold, warm, raw, restore, JvmAndState.peakRssMb(),
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        } finally {
            FileUtils.deleteDirectory(stateDir.toFile());
        }
    }

    /**
     * {@code bootstrap} on the same data, at the job's parallelism, from empty rollup tables: from the
     * start (preflight) until the rollups are written and the savepoint is complete.
     */
    private BenchReport.BootstrapRun bootstrap(DatabaseTarget target, Path benchDir, String backend, JvmAndState jvm)
            throws Exception {
        return measuredBootstrap(target, backend, "sampled each second", slot -> {
            System.gc(); // the job before it left garbage: the peaks below are the bootstrap's
            jvm.resetPeaks();
            say("      resident set at its start: %.0f MB", JvmAndState.procStatusMb(Path.of("/proc/self/status"), "VmRSS:"));
            jdk.jfr.Recording recording = jfr.start("bootstrap");
            try {
                Bootstrap.Outcome outcome = Bootstrap.run(new Bootstrap.Settings(target, target, slot, PUBLICATION,
                        benchDir.resolve("bootstrap"), job.parallelism(), RetentionPolicy.DEFAULT, backend,
                        Duration.ofSeconds(SlotCreationWait.DEFAULT_LIMIT_SECONDS), job.bootstrapDefersIndexes()),
                        line -> say("%s", line));
                return new BootstrapMeasured(outcome.seconds(), jvm.peakHeapMb(), jvm.peakHeapAfterGcMb(), jvm.sampledPeakRssMb());
            } finally {
                JfrPhases.stop(recording);
            }
        });
    }

    /**
     * {@link #bootstrap} in a JVM of its own ({@link ChildBootstrap}), as an operator runs it: its
     * memory peaks are then its own, not what the job before it left in this process.
     */
    private BenchReport.BootstrapRun childBootstrap(EmbeddedDatabase db, DatabaseTarget target, Path benchDir, String backend)
            throws Exception {
        return measuredBootstrap(target, backend, "the child's VmHWM", slot -> {
            ChildBootstrap.Result r = ChildBootstrap.run(db, target, slot, benchDir.resolve("bootstrap"), job, backend,
                    line -> say("%s", line));
            return new BootstrapMeasured(r.seconds(), r.heapPeakMb(), r.heapAfterGcPeakMb(), r.rssPeakMb());
        });
    }

    /** What one way of running a bootstrap measured: its time and memory peaks. */
    private record BootstrapMeasured(double seconds, double heapPeakMb, double heapAfterGcPeakMb, double rssPeakMb) {}

    /** One way of running a bootstrap with the given slot name. */
    private interface BootstrapAttempt {
        BootstrapMeasured run(String slot) throws Exception;
    }

    /**
     * What both ways share: empty rollup tables first, then the bootstrap, {@code verify} against
     * the recomputation, one line of results, and its slot dropped whatever happened.
     *
     * @param rssFrom how the resident peak was read, for the line
     */
    private BenchReport.BootstrapRun measuredBootstrap(DatabaseTarget target, String backend, String rssFrom,
            BootstrapAttempt attempt) throws Exception {
        RollupReset.clearAll(target);
        long liveRows = Slots.liveSourceRows(target);
        String slot = SLOT + "_bootstrap";
        try {
            BootstrapMeasured m = attempt.run(slot);
            boolean exact = SnapshotJudge.verify(target).isEqual();
            say("      %,d rows in %.1f s = %,.0f rows/s; heap peak %.0f MB, most left by a GC %.0f MB, RSS peak %.0f MB"
                    + " (%s); verify: %s", liveRows, m.seconds(), liveRows / m.seconds(), m.heapPeakMb(), m.heapAfterGcPeakMb(),
                    m.rssPeakMb(), rssFrom, exact ? "exact" : "DIFFERENCES");
            return new BenchReport.BootstrapRun(liveRows, m.seconds(), job.parallelism(), exact, backend, m.heapPeakMb(),
                    m.heapAfterGcPeakMb(), m.rssPeakMb(), job.bootstrapDefersIndexes());
        } finally {
            JobSlot.dropWhenInactive(target, slot, Duration.ofMinutes(1));
        }
    }

    /** The job on one state backend, from an empty rollup table and a fresh state dir. */
    private BackendRun backend(DatabaseTarget target, String backend, Path benchDir, JvmAndState jvm, boolean streamAndCatchUp)
            throws Exception {
        String slot = SLOT + "_" + backend;
        Path stateDir = benchDir.resolve("job-" + backend);
        RollupReset.clearAll(target);
        SnapshotJudge judge = new SnapshotJudge(target);
        long liveRows = Slots.liveSourceRows(target);
        say("      %,d live source rows, %,d expected rollup rows; checkpoints every %d ms (the tables are written at each)",
                liveRows, judge.expectedRows(), job.checkpointIntervalMs(backend));
        jvm.resetPeaks();
        long writesAtStart = JvmAndState.rollupRowsWritten(target);
        jdk.jfr.Recording recording = jfr.start(backend + "-snapshot");
        JobUnderTest running = JobUnderTest.start(target, slot, stateDir, job, backend);
        try {
            long nextSay = running.startedNanos + 10_000_000_000L;
            while (!judge.totalsMatch()) {
                if (System.nanoTime() > running.startedNanos + SNAPSHOT_TIMEOUT_MS * 1_000_000) {
                    throw new IllegalStateException("the snapshot's rollups were not exact after " + SNAPSHOT_TIMEOUT_MS / 60_000 + " min");
                }
                if (running.stopped()) {
                    throw new IllegalStateException("the job stopped during the snapshot: " + running.client.getJobStatus().get());
                }
                if (System.nanoTime() > nextSay) {
                    say("      %.0f s: %,d of %,d rollup rows; heap peak %.0f MB, RSS peak %.0f MB",
                            (System.nanoTime() - running.startedNanos) / 1e9, judge.actualRows(), judge.expectedRows(),
                            jvm.peakHeapMb(), JvmAndState.peakRssMb());
                    nextSay += 10_000_000_000L;
                }
                Thread.sleep(200);
            }
            double snapshotSeconds = (System.nanoTime() - running.startedNanos) / 1e9;
            JfrPhases.stop(recording);
            long exactAt = System.currentTimeMillis();
            VerifyReport snapshotCheck = SnapshotJudge.verify(target);
            say("      snapshot: %,d rows in %.1f s = %,.0f rows/s; verify: %s", liveRows, snapshotSeconds, liveRows / snapshotSeconds,
                    snapshotCheck.isEqual() ? "exact" : "DIFFERENCES");
            if (!snapshotCheck.isEqual()) {
                say("%s", snapshotCheck.summary(5));
            }
            Checkpoints.Completed checkpoint = Checkpoints.awaitTriggeredAfter(running.restPort, running.id(), exactAt, 10 * 60_000);
            long stateBytes = checkpoint == null ? -1 : checkpoint.stateSize();
            long checkpointed = checkpoint == null ? -1 : checkpoint.checkpointedSize();
            say("      first checkpoint after the snapshot: %.1f MB of state (%.1f MB written), %.0f bytes per live source row",
                    stateBytes / 1048576.0, checkpointed / 1048576.0, (double) stateBytes / liveRows);

            List<StepResult> steps = List.of();
            long streamChanges = 0;
            long rollupWrites = 0;
            long rollupWritesBefore = 0;
            boolean streamExact = false;
            long catchupChanges = 0;
            double catchupSeconds = Double.NaN;
            boolean catchupExact = false;
            Checkpoints.Summary checkpoints;
            if (streamAndCatchUp) {
                say("      streaming at increasing rates (%d s each) with freshness probes...", profile.stepSeconds());
                Thread.sleep(Math.max(0, exactAt + STATS_SETTLE_MS - System.currentTimeMillis()));
                rollupWritesBefore = JvmAndState.rollupRowsWritten(target);
                say("      (the snapshot wrote %,d rollup rows for %,d expected)", rollupWritesBefore - writesAtStart, judge.expectedRows());
                try (ChangeWorkload workload = new ChangeWorkload(target, profile.organizations(), seed);
                        FreshnessProbe probe = new FreshnessProbe(target, profile.organizations())) {
                    steps = new RateSteps(workload, probe, target, slot, progress).run(profile.rates(), profile.stepSeconds());
                    streamChanges = workload.changes();
                }
                streamExact = awaitExact(target);
                say("      rollups exact after streaming: %s", streamExact);
                checkpoints = Checkpoints.summary(running.restPort, running.id());
                rollupWrites = JvmAndState.rollupRowsWritten(target) - rollupWritesBefore;

                say("      catch-up: stopping the job after a checkpoint (state kept), piling up %,d changes...", profile.catchupChanges());
                running.stopAfterCheckpoint(target, slot);
                try (FreshnessProbe probe = new FreshnessProbe(target, profile.organizations())) {
                    catchupChanges = pile(target, profile.catchupChanges(), seed + 2, probe);
                    recording = jfr.start(backend + "-catchup");
                    running = JobUnderTest.start(target, slot, stateDir, job, backend);
                    if (!running.resumed) {
                        throw new IllegalStateException("the job did not find its checkpoint under " + stateDir);
                    }
                    long restarted = running.startedNanos;
                    long next = restarted + 10_000_000_000L;
                    while (!probe.awaitVisible(1, 500)) {
                        if (running.stopped()) {
                            throw new IllegalStateException("the job stopped during the catch-up: " + running.client.getJobStatus().get());
                        }
                        if (System.nanoTime() > restarted + SNAPSHOT_TIMEOUT_MS * 1_000_000) {
                            throw new IllegalStateException("the catch-up did not finish within " + SNAPSHOT_TIMEOUT_MS / 60_000 + " min");
                        }
                        if (System.nanoTime() > next) {
                            say("      %.0f s after the restart...", (System.nanoTime() - restarted) / 1e9);
                            next += 10_000_000_000L;
                        }
                    }
                    catchupSeconds = (probe.visibleAt(0) - restarted) / 1e9;
                    JfrPhases.stop(recording);
                }
                catchupExact = awaitExact(target);
                say("      catch-up: %,d changes in %.1f s from the restart = %,.0f changes/s; exact after: %s", catchupChanges,
                        catchupSeconds, catchupChanges / catchupSeconds, catchupExact);
            } else {
                checkpoints = Checkpoints.summary(running.restPort, running.id());
            }
            double heapPeak = jvm.peakHeapMb();
            double heapAfterGcPeak = jvm.peakHeapAfterGcMb();
            running.cancel(target, slot);
            double heapAfterGc = jvm.heapAfterGcMb();
            double rssPeak = JvmAndState.peakRssMb();
            say("      checkpoints: %d completed, %d failed, duration p50 %.0f ms, p99 %.0f ms, max %.0f ms; heap peak %.0f MB,"
                            + " most left by a GC %.0f MB, after the job %.0f MB; RSS peak %.0f MB", checkpoints.completed(),
                    checkpoints.failed(), checkpoints.p50Ms(), checkpoints.p99Ms(), checkpoints.maxMs(), heapPeak, heapAfterGcPeak,
                    heapAfterGc, rssPeak);
            long snapshotWrites = rollupWritesBefore > 0 ? rollupWritesBefore - writesAtStart : -1;
            return new BackendRun(backend, job.checkpointIntervalMs(backend), liveRows, snapshotSeconds, snapshotCheck.isEqual(), snapshotWrites, stateBytes, checkpointed, steps,
                    streamExact, streamChanges, rollupWrites, heapPeak, heapAfterGc, checkpoints, catchupChanges, catchupSeconds,
                    catchupExact, heapAfterGcPeak, rssPeak);
        } finally {
            JfrPhases.stop(recording);
            if (!running.stopped()) {
                running.client.cancel().get();
            }
            JobSlot.dropWhenInactive(target, slot, Duration.ofMinutes(1));
        }
    }

    /** Up to five verifications two seconds apart; whether one was exact. */
    private static boolean awaitExact(DatabaseTarget target) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            Thread.sleep(2_000);
            if (SnapshotJudge.verify(target).isEqual()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes {@code changes} workload changes as fast as PostgreSQL takes them, then (with a probe)
     * one probe row in a last transaction of its own; returns the row changes written.
     */
    private long pile(DatabaseTarget target, long changes, long workloadSeed, FreshnessProbe probe) throws Exception {
        long started = System.nanoTime();
        try (ChangeWorkload workload = new ChangeWorkload(target, profile.organizations(), workloadSeed)) {
            long next = started + 10_000_000_000L;
            while (workload.changes() < changes) {
                workload.transaction((int) Math.min(PILE_TRANSACTION, changes - workload.changes()), false, () -> {});
                if (System.nanoTime() > next) {
                    say("      %,d of %,d changes written", workload.changes(), changes);
                    next += 10_000_000_000L;
                }
            }
            long written = workload.changes();
            if (probe != null) {
                workload.transaction(0, true, probe::committing);
            }
            say("      %,d changes written in %.1f s", written, (System.nanoTime() - started) / 1e9);
            return written;
        }
    }

    private void say(String format, Object... args) {
        progress.accept(String.format(Locale.ROOT, format, args));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
