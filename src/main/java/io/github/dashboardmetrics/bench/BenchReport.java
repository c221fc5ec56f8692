package io.github.dashboardmetrics.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one benchmark run measured; prints the table and writes the JSON.
 *
 * <p>JSON keys: the issue-11 keys come first. Measurements of the job carry the state backend as
 * a suffix ({@code snapshot_rows_per_s_rocksdb}, {@code _hashmap}); the unsuffixed keys of earlier
 * runs ({@code snapshot_rows_per_s}, {@code freshness_ms}, {@code steps}...) describe the first
 * backend measured ({@code state_backend}, RocksDB by default), so older readers keep working.
 * Parts a profile does not measure are absent (scale: no ceiling or streaming; restore: only
 * {@code restore_s} and {@code restore_steady_s}).
 *
 * @param ceiling  the source ceiling, or null when not measured
 * @param backends one entry per state backend measured, in order (may be empty)
 * @param bootstrap {@code bootstrap} on the same data, or null
 * @param celery   the Celery replay (warm), or null; {@code celeryCold} likewise
 * @param rawDecode raw pgoutput decoding of the ceiling's piled-up changes, or null
 * @param restore  the restore measurement, or null
 */
public record BenchReport(
        BenchProfile profile,
        BenchRunner.JobSettings settings,
        double[] loadAverageStart,
        double[] loadAverageEnd,
        Map<String, Long> datasetRows,
        double datasetLoadSeconds,
        long datasetTotalRows,
        Ceiling ceiling,
        List<BackendRun> backends,
        BootstrapRun bootstrap,
        CeleryReplay.Run celeryCold,
        CeleryReplay.Run celery,
        RawDecodeReader.Result rawDecode,
        RestoreMeasurement.Result restore,
        double peakRssMb,
        double maxHeapMb) {

    /** The source ceiling: snapshot rows and seconds, and the drain of the piled-up changes. */
    public record Ceiling(long snapshotRows, double snapshotSeconds, SourceCeiling.Drain drain) {
        double snapshotRowsPerS() {
            return snapshotSeconds > 0 ? snapshotRows / snapshotSeconds : 0;
        }
    }

    /**
     * {@code bootstrap} on the same data: live source rows, seconds from its start until the
     * savepoint and the rollups are written, its parallelism, and whether {@code verify} then agreed;
     * the state backend it built the state on, and the benchmark JVM's heap and resident set peaks
     * (sampled each second) while it ran, and the most heap a garbage collection left in use; and
     * whether it ran with {@code --defer-indexes}.
     */
    public record BootstrapRun(long rows, double seconds, int parallelism, boolean exact, String stateBackend,
            double heapPeakMb, double heapAfterGcPeakMb, double rssPeakMb, boolean deferIndexes) {
        double rowsPerS() {
            return seconds > 0 ? rows / seconds : 0;
        }
    }

    /** Bootstrap against the job's CDC snapshot (issue 15, at parallelism 2). */
    static final double TARGET_BOOTSTRAP_TIMES_SNAPSHOT = 3;

    /** Targets of issue 11. */
    static final double TARGET_SHARE_OF_CEILING = 0.8;
    static final double TARGET_P99_MS_AT_1000 = 1_000;
    static final double TARGET_STATE_BYTES_PER_ROW = 100;
    static final double TARGET_RESTORE_S = 30;

    BackendRun backend(String name) {
        return backends.stream().filter(b -> b.backend().equals(name)).findFirst().orElse(null);
    }

    /** The JSON document: the keys of issue 11 first, then those of earlier runs, then the details. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        if (ceiling != null) {
            json.put("source_ceiling_snapshot_rows_per_s", round(ceiling.snapshotRowsPerS()));
            json.put("source_ceiling_streaming_changes_per_s", round(ceiling.drain().perSecond()));
        }
        json.put("parallelism", settings.parallelism());
        if (bootstrap != null) {
            json.put("bootstrap_rows_per_s", round(bootstrap.rowsPerS()));
        }
        for (BackendRun b : backends) {
            String s = "_" + b.backend();
            json.put("snapshot_rows_per_s" + s, round(b.snapshotRowsPerS()));
            if (b.catchupChanges() > 0) {
                json.put("catchup_changes_per_s" + s, round(b.catchupChangesPerS()));
            }
            json.put("state_bytes_per_source_row" + s, round(b.stateBytesPerSourceRow()));
            if (!b.steps().isEmpty()) {
                json.put("freshness_p99_ms_at_1000" + s, round(b.p99At1000()));
                json.put("max_sustained_changes_per_s" + s, round(b.maxSustainedChangesPerS()));
            }
        }
        if (restore != null) {
            json.put("restore_s", round3(restore.restoreSeconds()));
            json.put("restore_steady_s", round3(restore.steadyRestoreSeconds()));
        }
        if (!backends.isEmpty()) {
            BackendRun primary = backends.get(0);
            json.put("state_backend", primary.backend());
            json.put("snapshot_rows_per_s", round(primary.snapshotRowsPerS()));
            json.put("state_bytes_per_source_row", round(primary.stateBytesPerSourceRow()));
            if (primary.catchupChanges() > 0) {
                json.put("catchup_changes_per_s", round(primary.catchupChangesPerS()));
            }
            if (!primary.steps().isEmpty()) {
                json.put("max_sustained_changes_per_s", round(primary.maxSustainedChangesPerS()));
                json.put("freshness_ms", freshness(primary.steps()));
                json.put("rows_written_per_change", round3(primary.rowsWrittenPerChange()));
            }
        }
        if (rawDecode != null) {
            json.put("raw_decode_changes_per_s", round(rawDecode.perSecond()));
        }
        if (celery != null) {
            json.put("celery_run_s", round3(celery.seconds()));
            json.put("celery_queries", celery.statements());
        }
        json.put("peak_rss_mb", round(peakRssMb));
        json.put("load_average", Map.of("start", loadAverageStart, "end", loadAverageEnd));

        json.put("profile", Map.of("name", profile.name(), "organizations", profile.organizations(),
                "history_months", profile.historyMonths(), "rows", profile.rows(), "rates", profile.rates(),
                "step_seconds", profile.stepSeconds(), "catchup_changes", profile.catchupChanges()));
        json.put("job", Map.of("max_heap_mb", round(maxHeapMb),
                "cores", Runtime.getRuntime().availableProcessors()));
        json.put("dataset", Map.of("rows_per_table", datasetRows, "rows", datasetTotalRows, "load_s", round3(datasetLoadSeconds)));
        if (ceiling != null) {
            json.put("source_ceiling", Map.of("snapshot_rows", ceiling.snapshotRows(), "snapshot_s", round3(ceiling.snapshotSeconds()),
                    "streaming_changes", ceiling.drain().changes(), "streaming_s", round3(ceiling.drain().seconds()),
                    "first_change_after_s", round3(ceiling.drain().firstChangeSeconds())));
        }
        Map<String, Object> perBackend = new LinkedHashMap<>();
        for (BackendRun b : backends) {
            perBackend.put(b.backend(), details(b));
        }
        json.put("backends", perBackend);
        if (!backends.isEmpty()) {
            BackendRun primary = backends.get(0);
            json.put("snapshot", Map.of("source_rows", primary.liveRows(), "seconds", round3(primary.snapshotSeconds()),
                    "exact", primary.snapshotExact(), "rollup_rows_written", primary.snapshotRollupRowsWritten()));
            json.put("steps", steps(primary.steps()));
            json.put("stream", Map.of("changes", primary.streamChanges(), "rollup_rows_written", primary.rollupRowsWritten(),
                    "exact_after", primary.streamExact()));
            json.put("heap_mb", Map.of("peak", round(primary.heapPeakMb()), "after_gc", round(primary.heapAfterGcMb())));
            json.put("state_bytes", primary.stateBytes());
        }
        if (celery != null) {
            Map<String, Object> celeryJson = new LinkedHashMap<>();
            celeryJson.put("active_organizations", celery.activeOrganizations());
            celeryJson.put("statements", celery.statements());
            celeryJson.put("reads", celery.reads());
            celeryJson.put("rows_written", celery.rowsWritten());
            celeryJson.put("run_s", round3(celery.seconds()));
            celeryJson.put("cold_run_s", round3(celeryCold.seconds()));
            celeryJson.put("schedule_s", CeleryReplay.SCHEDULE_SECONDS);
            celeryJson.put("implied_freshness_ms", Map.of(
                    "p50", round(CeleryReplay.impliedFreshnessMs(50, celery.seconds())),
                    "p95", round(CeleryReplay.impliedFreshnessMs(95, celery.seconds())),
                    "p99", round(CeleryReplay.impliedFreshnessMs(99, celery.seconds()))));
            json.put("celery", celeryJson);
        }
        if (rawDecode != null) {
            json.put("raw_decode", Map.of("changes", rawDecode.changes(), "seconds", round3(rawDecode.seconds())));
        }
        if (restore != null) {
            json.put("restore", restore.toJson());
        }
        if (bootstrap != null) {
            json.put("bootstrap", Map.of("rows", bootstrap.rows(), "seconds", round3(bootstrap.seconds()),
                    "parallelism", bootstrap.parallelism(), "exact", bootstrap.exact(), "state_backend", bootstrap.stateBackend(),
                    "heap_peak_mb", round(bootstrap.heapPeakMb()), "heap_after_gc_peak_mb", round(bootstrap.heapAfterGcPeakMb()),
                    "rss_peak_mb", round(bootstrap.rssPeakMb()), "defer_indexes", bootstrap.deferIndexes()));
        }
        json.put("targets_met", targets());
        return json;
    }

    private Map<String, Object> targets() {
        Map<String, Object> targets = new LinkedHashMap<>();
        BackendRun rocksdb = backend("rocksdb");
        if (rocksdb != null && ceiling != null) {
            targets.put("snapshot_ge_80pct_of_ceiling_rocksdb",
                    rocksdb.snapshotRowsPerS() >= TARGET_SHARE_OF_CEILING * ceiling.snapshotRowsPerS());
            if (rocksdb.catchupChanges() > 0) {
                targets.put("catchup_ge_80pct_of_ceiling_rocksdb",
                        rocksdb.catchupChangesPerS() >= TARGET_SHARE_OF_CEILING * ceiling.drain().perSecond());
            }
        }
        if (rocksdb != null && !rocksdb.steps().isEmpty()) {
            targets.put("p99_at_1000_ms_le_1000_rocksdb", rocksdb.p99At1000() <= TARGET_P99_MS_AT_1000);
        }
        for (BackendRun b : backends) {
            targets.put("state_le_100_bytes_per_row_" + b.backend(), b.stateBytesPerSourceRow() <= TARGET_STATE_BYTES_PER_ROW);
        }
        if (bootstrap != null && rocksdb != null) {
            targets.put("bootstrap_ge_3x_snapshot_rocksdb",
                    bootstrap.rowsPerS() >= TARGET_BOOTSTRAP_TIMES_SNAPSHOT * rocksdb.snapshotRowsPerS());
            if (profile.isScale()) {
                // The bootstrap in a JVM of its own, -Xmx2g as the job's: no more heap left by a
                // collection than the job's, and a resident set no larger than the job's process.
                targets.put("bootstrap_within_job_memory_rocksdb", bootstrap.heapAfterGcPeakMb() <= rocksdb.heapAfterGcPeakMb()
                        && bootstrap.rssPeakMb() <= rocksdb.rssPeakMb());
            }
        }
        if (restore != null) {
            targets.put("restore_le_30_s", restore.restoreSeconds() <= TARGET_RESTORE_S);
            targets.put("restore_steady_le_30_s", restore.steadyRestoreSeconds() <= TARGET_RESTORE_S);
        }
        return targets;
    }

    private Map<String, Object> details(BackendRun b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint_interval_ms", b.checkpointIntervalMs());
        m.put("snapshot_checkpoint_interval_ms", settings.snapshotCheckpointIntervalMs(b.backend()));
        m.put("live_source_rows", b.liveRows());
        m.put("snapshot_s", round3(b.snapshotSeconds()));
        m.put("snapshot_exact", b.snapshotExact());
        m.put("snapshot_rollup_rows_written", b.snapshotRollupRowsWritten());
        m.put("state_bytes", b.stateBytes());
        m.put("checkpointed_bytes", b.checkpointedBytes());
        if (!b.steps().isEmpty()) {
            m.put("freshness_ms", freshness(b.steps()));
            m.put("steps", steps(b.steps()));
            m.put("stream", Map.of("changes", b.streamChanges(), "rollup_rows_written", b.rollupRowsWritten(),
                    "exact_after", b.streamExact()));
        }
        m.put("checkpoints", Map.of("completed", b.checkpoints().completed(), "failed", b.checkpoints().failed(),
                "duration_p50_ms", round(b.checkpoints().p50Ms()), "duration_p99_ms", round(b.checkpoints().p99Ms()),
                "duration_max_ms", round(b.checkpoints().maxMs())));
        if (b.catchupChanges() > 0) {
            m.put("catchup", Map.of("changes", b.catchupChanges(), "seconds", round3(b.catchupSeconds()), "exact_after", b.catchupExact()));
        }
        m.put("heap_mb", Map.of("peak", round(b.heapPeakMb()), "after_gc", round(b.heapAfterGcMb()),
                "after_gc_peak", round(b.heapAfterGcPeakMb())));
        m.put("rss_peak_mb", round(b.rssPeakMb()));
        return m;
    }

    private static Map<String, Object> freshness(List<StepResult> steps) {
        Map<String, Object> freshness = new LinkedHashMap<>();
        for (StepResult s : steps) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("p50", round(s.p50Ms()));
            p.put("p95", round(s.p95Ms()));
            p.put("p99", round(s.p99Ms()));
            freshness.put(Integer.toString(s.targetRate()), p);
        }
        return freshness;
    }

    private static List<Map<String, Object>> steps(List<StepResult> steps) {
        return steps.stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target_changes_per_s", s.targetRate());
            m.put("achieved_changes_per_s", round(s.achievedRate()));
            m.put("changes", s.changes());
            m.put("probes", s.probes());
            m.put("p50_ms", round(s.p50Ms()));
            m.put("p95_ms", round(s.p95Ms()));
            m.put("p99_ms", round(s.p99Ms()));
            m.put("trend_ms_per_s", round3(s.trendMsPerS()));
            m.put("slot_lag_start_bytes", s.slotLagStartBytes());
            m.put("slot_lag_end_bytes", s.slotLagEndBytes());
            m.put("drain_s", round3(s.drainSeconds()));
            m.put("verdict", s.verdict());
            return m;
        }).toList();
    }

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson()) + "\n");
    }

    /** The human-readable summary: one column per state backend. */
    public String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%nBenchmark (%s): %d organisations, %d months, %,d source rows;"
                        + " load average %.2f %.2f %.2f -> %.2f %.2f %.2f%n",
                profile.name(), profile.organizations(), profile.historyMonths(), datasetTotalRows,
                loadAverageStart[0], loadAverageStart[1], loadAverageStart[2], loadAverageEnd[0], loadAverageEnd[1], loadAverageEnd[2]));
        t.append(String.format(Locale.ROOT, "%-46s", "measurement"));
        for (BackendRun b : backends) {
            t.append(String.format(Locale.ROOT, " %14s", b.backend()));
        }
        t.append('\n');
        if (ceiling != null) {
            line(t, "source ceiling: snapshot (rows/s)", fmt(ceiling.snapshotRowsPerS()));
            line(t, "source ceiling: streaming drain (changes/s)", fmt(ceiling.drain().perSecond()));
        }
        if (rawDecode != null) {
            line(t, "raw pgoutput decode (changes/s)", fmt(rawDecode.perSecond()));
        }
        perBackend(t, "snapshot (rows/s, until exact)", b -> fmt(b.snapshotRowsPerS())
                + (ceiling == null ? "" : String.format(Locale.ROOT, " %3.0f%%", 100 * b.snapshotRowsPerS() / ceiling.snapshotRowsPerS())));
        perBackend(t, "  snapshot time (s), exact", b -> String.format(Locale.ROOT, "%.1f, %s", b.snapshotSeconds(), b.snapshotExact()));
        perBackend(t, "catch-up (changes/s)", b -> !Double.isFinite(b.catchupChangesPerS()) ? "-" : fmt(b.catchupChangesPerS())
                + (ceiling == null ? "" : String.format(Locale.ROOT, " %3.0f%%", 100 * b.catchupChangesPerS() / ceiling.drain().perSecond())));
        perBackend(t, "  catch-up exact", b -> b.catchupChanges() == 0 ? "-" : Boolean.toString(b.catchupExact()));
        perBackend(t, "state after snapshot (MB)", b -> String.format(Locale.ROOT, "%.1f", b.stateBytes() / 1048576.0));
        perBackend(t, "state per live source row (bytes)", b -> String.format(Locale.ROOT, "%.0f", b.stateBytesPerSourceRow()));
        perBackend(t, "checkpoint interval (ms)", b -> Long.toString(b.checkpointIntervalMs()));
        perBackend(t, "  while the snapshot is read (ms)", b -> Long.toString(settings.snapshotCheckpointIntervalMs(b.backend())));
        perBackend(t, "checkpoint duration p50 / max (ms)", b -> String.format(Locale.ROOT, "%.0f / %.0f", b.checkpoints().p50Ms(),
                b.checkpoints().maxMs()));
        perBackend(t, "checkpoints completed / failed", b -> b.checkpoints().completed() + " / " + b.checkpoints().failed());
        perBackend(t, "freshness p99 at 1,000 changes/s (ms)", b -> b.steps().isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", b.p99At1000()));
        perBackend(t, "max sustained (changes/s)", b -> b.steps().isEmpty() ? "-" : fmt(b.maxSustainedChangesPerS()));
        perBackend(t, "rollup rows written per change", b -> b.steps().isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", b.rowsWrittenPerChange()));
        perBackend(t, "rollups exact after streaming", b -> b.steps().isEmpty() ? "-" : Boolean.toString(b.streamExact()));
        perBackend(t, "heap peak / most after a GC / after the job (MB)", b -> String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
                b.heapPeakMb(), b.heapAfterGcPeakMb(), b.heapAfterGcMb()));
        perBackend(t, "RSS peak of the process at the job's end (MB)", b -> String.format(Locale.ROOT, "%.0f", b.rssPeakMb()));
        for (BackendRun b : backends) {
            if (!b.steps().isEmpty()) {
                t.append(String.format(Locale.ROOT, "  %s: %-10s %10s %8s %8s %8s %10s  %s%n", b.backend(), "rate/s", "achieved", "p50 ms",
                        "p95 ms", "p99 ms", "trend ms/s", "verdict"));
                for (StepResult s : b.steps()) {
                    t.append(String.format(Locale.ROOT, "  %s: %-10d %10.0f %8.0f %8.0f %8.0f %10.1f  %s%n", b.backend(), s.targetRate(),
                            s.achievedRate(), s.p50Ms(), s.p95Ms(), s.p99Ms(), s.trendMsPerS(), s.verdict()));
                }
            }
        }
        if (restore != null) {
            line(t, "restore after SIGKILL (s, restart to a change read)", String.format(Locale.ROOT, "%.1f", restore.restoreSeconds()));
            line(t, "  restored state (MB), backend", String.format(Locale.ROOT, "%.1f, %s", restore.stateBytes() / 1048576.0,
                    restore.backend()));
        }
        if (celery != null) {
            line(t, "Celery run: statements", Integer.toString(celery.statements()));
            line(t, "Celery run: wall time warm / cold (s)", String.format(Locale.ROOT, "%.2f / %.2f", celery.seconds(), celeryCold.seconds()));
        }
        if (bootstrap != null) {
            BackendRun rocks = backend("rocksdb");
            line(t, "bootstrap (rows/s), parallelism " + bootstrap.parallelism(), fmt(bootstrap.rowsPerS())
                    + (rocks == null ? "" : String.format(Locale.ROOT, " %3.1fx", bootstrap.rowsPerS() / rocks.snapshotRowsPerS())));
            line(t, "  bootstrap time (s), exact", String.format(Locale.ROOT, "%.1f, %s%s", bootstrap.seconds(), bootstrap.exact(),
                    bootstrap.deferIndexes() ? " (--defer-indexes)" : ""));
            line(t, "  bootstrap heap peak / after a GC / RSS peak (MB), state on", String.format(Locale.ROOT, "%.0f / %.0f / %.0f, %s",
                    bootstrap.heapPeakMb(), bootstrap.heapAfterGcPeakMb(), bootstrap.rssPeakMb(), bootstrap.stateBackend()));
        }
        line(t, "peak RSS of the benchmark JVM (MB), max heap", String.format(Locale.ROOT, "%.0f, %.0f", peakRssMb, maxHeapMb));
        targets().forEach((k, v) -> t.append(String.format(Locale.ROOT, "target %-39s %s%n", k, Boolean.TRUE.equals(v) ? "met" : "MISSED")));
        return t.toString();
    }

    private void perBackend(StringBuilder t, String name, java.util.function.Function<BackendRun, String> value) {
        if (backends.isEmpty()) {
            return;
        }
        t.append(String.format(Locale.ROOT, "%-46s", name));
        for (BackendRun b : backends) {
            t.append(String.format(Locale.ROOT, " %14s", value.apply(b)));
        }
        t.append('\n');
    }

    private static void line(StringBuilder t, String name, String value) {
        t.append(String.format(Locale.ROOT, "%-46s %14s%n", name, value));
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,.0f", v) : "-";
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v) : v;
    }

    private static double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }
}
