package io.github.dashboardmetrics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dashboardmetrics.cli.DatabaseOptions;
import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.sink.RollupReset;
import io.github.dashboardmetrics.source.JobSlot;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fast recovery, as an operator sees it: {@code run} in a child JVM (the same java, class path and
 * {@code --add-opens} as this one, {@code -Xmx2g}) snapshots the dataset; once a checkpoint taken
 * after the rollups were exact has completed, the process is killed with SIGKILL and the very same
 * command started again. A probe row is committed right after the restart; {@code restore_s} is
 * the time from the restart (process start) until that probe is visible in the rollup tables: JVM
 * and Flink start, state restore, reading the change, one flush.
 *
 * <p>That first kill is the worst time for one: the WAL of the snapshot's commits, hundreds of MB,
 * has only just been decoded, and the slot's restart point is still inside it, so the restarted
 * stream decodes it again. A second kill measures the ordinary case: the restarted job streams
 * {@value #STEADY_CHANGES_PER_S} changes/s for {@value #STEADY_SECONDS} s, is killed at a
 * checkpoint while that load goes on, and started again; {@code restore_steady_s} is the same
 * measure for that restart (the load keeps running across it, as it would in production).
 */
final class RestoreMeasurement {
    static final String SLOT = "dashboard_metrics_bench_restore";
    static final long SNAPSHOT_TIMEOUT_MS = 90 * 60_000;
    static final long RESTORE_TIMEOUT_MS = 20 * 60_000;
    /** The load streamed before and across the second kill. */
    static final int STEADY_CHANGES_PER_S = 1_000;
    static final int STEADY_SECONDS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param sourceRows      live source rows in the state
     * @param snapshotSeconds the child's snapshot, start to exact (includes its JVM start)
     * @param stateBytes      full size of the checkpoint it was killed after
     * @param restoreSeconds  restart to the probe visible, the kill right after the snapshot
     * @param steadyRestoreSeconds the same, the kill while streaming
     * @param exactAfter      verify after both restores
     */
    record Result(String backend, long sourceRows, double snapshotSeconds, long stateBytes, double restoreSeconds,
            double steadyRestoreSeconds, boolean exactAfter, String log) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", backend);
            m.put("source_rows", sourceRows);
            m.put("snapshot_s", Math.round(snapshotSeconds * 1000) / 1000.0);
            m.put("state_bytes", stateBytes);
            m.put("restore_s", Math.round(restoreSeconds * 1000) / 1000.0);
            m.put("restore_steady_s", Math.round(steadyRestoreSeconds * 1000) / 1000.0);
            m.put("steady_changes_per_s", STEADY_CHANGES_PER_S);
            m.put("exact_after", exactAfter);
            m.put("log", log);
            return m;
        }
    }

    private RestoreMeasurement() {}

    static Result measure(EmbeddedDatabase db, DatabaseTarget target, int organizations, long seed, String backend,
            BenchRunner.JobSettings settings, Path stateDir, Consumer<String> progress) throws Exception {
        RollupReset.clearAll(target);
        SnapshotJudge judge = new SnapshotJudge(target);
        long liveRows = Slots.liveSourceRows(target);
        int webPort = BenchRunner.freePort();
        List<String> command = commandLine(List.of("run", "--db-url", db.jdbcUrl(), "--db-user", db.user(), "--db-schema",
                target.schema(), "--slot", SLOT, "--publication", BenchRunner.PUBLICATION, "--state-dir",
                stateDir.resolve("run-state").toString(), "--state-backend", backend, "--checkpoint-interval-ms",
                Long.toString(settings.checkpointIntervalMs(backend)), "--snapshot-checkpoint-interval-ms",
                Long.toString(settings.snapshotCheckpointIntervalMs(backend)),
                "--web-port", Integer.toString(webPort), "--retention-cleanup-interval-min", "0"));
        Path log = stateDir.resolve("run.log");
        say(progress, "      run (child JVM, %s, -Xmx2g), log %s", backend, log);
        long started = System.nanoTime();
        Process run = start(command, db, log, false);
        try {
            long nextSay = started + 10_000_000_000L;
            while (!judge.totalsMatch()) {
                requireAlive(run, "during the snapshot", log);
                if (System.nanoTime() > started + SNAPSHOT_TIMEOUT_MS * 1_000_000) {
                    throw new IllegalStateException("the snapshot of run was not exact after " + SNAPSHOT_TIMEOUT_MS / 60_000 + " min");
                }
                if (System.nanoTime() > nextSay) {
                    say(progress, "      %.0f s: %,d of %,d rollup rows; RSS of run %.0f MB", (System.nanoTime() - started) / 1e9,
                            judge.actualRows(), judge.expectedRows(),
                            JvmAndState.procStatusMb(Path.of("/proc/" + run.pid() + "/status"), "VmRSS:"));
                    nextSay += 10_000_000_000L;
                }
                Thread.sleep(500);
            }
            double snapshotSeconds = (System.nanoTime() - started) / 1e9;
            say(progress, "      snapshot of %,d rows exact after %.1f s; waiting for a checkpoint after it...", liveRows, snapshotSeconds);
            String jobId = jobId(webPort);
            Checkpoints.Completed checkpoint = Checkpoints.awaitTriggeredAfter(webPort, jobId, System.currentTimeMillis(), 10 * 60_000);
            if (checkpoint == null) {
                throw new IllegalStateException("run completed no checkpoint within 10 min after the snapshot");
            }
            say(progress, "      checkpoint %d: %.1f MB of state; SIGKILL", checkpoint.id(), checkpoint.stateSize() / 1048576.0);
            kill(run, target);

            try (FreshnessProbe probe = new FreshnessProbe(target, organizations);
                    ChangeWorkload prober = new ChangeWorkload(target, organizations, seed + 7)) {
                long restarted = System.nanoTime();
                run = start(command, db, log, true);
                double restoreSeconds = probeAfterRestart(run, prober, probe, 0, restarted, log, progress);
                say(progress, "      the change committed after the restart was in the rollups %.1f s after it", restoreSeconds);

                say(progress, "      streaming %,d changes/s for %d s, then SIGKILL at a checkpoint while it goes on",
                        STEADY_CHANGES_PER_S, STEADY_SECONDS);
                double steadySeconds;
                try (SteadyLoad load = new SteadyLoad(new ChangeWorkload(target, organizations, seed + 11), STEADY_CHANGES_PER_S)) {
                    long streamUntil = System.nanoTime() + STEADY_SECONDS * 1_000_000_000L;
                    while (System.nanoTime() < streamUntil) {
                        load.requireRunning();
                        requireAlive(run, "while streaming", log);
                        Thread.sleep(500);
                    }
                    Checkpoints.Completed streaming = Checkpoints.awaitTriggeredAfter(webPort, jobId(webPort),
                            System.currentTimeMillis(), 10 * 60_000);
                    if (streaming == null) {
                        throw new IllegalStateException("run completed no checkpoint within 10 min while streaming");
                    }
                    say(progress, "      checkpoint %d: %.1f MB of state, %,d changes streamed; SIGKILL", streaming.id(),
                            streaming.stateSize() / 1048576.0, load.changes());
                    kill(run, target);
                    long restartedSteady = System.nanoTime();
                    run = start(command, db, log, true);
                    steadySeconds = probeAfterRestart(run, prober, probe, 1, restartedSteady, log, progress);
                    say(progress, "      the change committed after the second restart was in the rollups %.1f s after it",
                            steadySeconds);
                    load.requireRunning();
                }
                boolean exact = false;
                for (int attempt = 0; attempt < 10 && !exact; attempt++) {
                    Thread.sleep(2_000);
                    exact = SnapshotJudge.verify(target).isEqual();
                }
                return new Result(backend, liveRows, snapshotSeconds, checkpoint.stateSize(), restoreSeconds, steadySeconds,
                        exact, log.toString());
            }
        } finally {
            if (run.isAlive()) {
                run.destroyForcibly();
                run.waitFor();
            }
            JobSlot.dropWhenInactive(target, SLOT, Duration.ofMinutes(1));
        }
    }

    /** SIGKILL, and wait until PostgreSQL has let go of the slot. */
    private static void kill(Process run, DatabaseTarget target) throws Exception {
        run.destroyForcibly();
        run.waitFor();
        JobSlot.awaitInactive(target, SLOT, Duration.ofMinutes(1));
    }

    /**
     * Commits probe {@code index} right after a restart and waits until it is in the rollups.
     *
     * @return seconds from {@code restarted} (System.nanoTime) until the probe was seen
     */
    private static double probeAfterRestart(Process run, ChangeWorkload prober, FreshnessProbe probe, int index,
            long restarted, Path log, Consumer<String> progress) throws Exception {
        prober.transaction(0, true, probe::committing);
        long nextReport = restarted + 10_000_000_000L;
        while (!probe.awaitVisible(index + 1, 1_000)) {
            requireAlive(run, "after the restart", log);
            if (System.nanoTime() > restarted + RESTORE_TIMEOUT_MS * 1_000_000) {
                throw new IllegalStateException("run read no change within " + RESTORE_TIMEOUT_MS / 60_000 + " min of the restart");
            }
            if (System.nanoTime() > nextReport) {
                say(progress, "      %.0f s after the restart...", (System.nanoTime() - restarted) / 1e9);
                nextReport += 10_000_000_000L;
            }
        }
        return (probe.visibleAt(index) - restarted) / 1e9;
    }

    private static void requireAlive(Process run, String when, Path log) {
        if (!run.isAlive()) {
            throw new IllegalStateException("run exited with " + run.exitValue() + " " + when + "; see " + log);
        }
    }

    /** {@code java <this JVM's --add-opens, log4j settings> -Xmx2g -cp <this class path> Main ARGS}. */
    static List<String> commandLine(List<String> args) {
        return commandLine(List.of(), args);
    }

    /** {@link #commandLine(List)} with more JVM options before the class path. */
    static List<String> commandLine(List<String> jvmOptions, List<String> args) {
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("-Dlog4j2.configurationFile")) {
                line.add(arg);
            }
        }
        line.add("-Xmx2g");
        line.addAll(jvmOptions);
        line.add("-cp");
        line.add(System.getProperty("java.class.path"));
        line.add(Main.class.getName());
        line.addAll(args);
        return line;
    }

    /** Starts {@code command} with the database password in its environment, its output to {@code log}. */
    static Process start(List<String> command, EmbeddedDatabase db, Path log, boolean append) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put(DatabaseOptions.PASSWORD_ENV, db.password());
        return pb.start();
    }

    /** The one job of the child's REST API, waiting for it to answer. */
    private static String jobId(int webPort) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + webPort + "/jobs/overview"))
                        .timeout(Duration.ofSeconds(5)).build();
                JsonNode jobs = JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body()).path("jobs");
                if (jobs.size() == 1) {
                    return jobs.get(0).path("jid").asText();
                }
            } catch (Exception notUpYet) {
                // retry
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the REST API of run did not list its job on port " + webPort);
    }

    private static void say(Consumer<String> progress, String format, Object... args) {
        progress.accept(String.format(Locale.ROOT, format, args));
    }
}
