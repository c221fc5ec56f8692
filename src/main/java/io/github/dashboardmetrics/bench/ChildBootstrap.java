package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bootstrap} as an operator runs it: in a JVM of its own ({@code -Xmx2g}, as
 * {@code bin/dashboard-metrics}), so that its memory is its own and not what an earlier phase of
 * the benchmark left in this process (a heap already grown, native memory RocksDB freed but the C
 * allocator kept). Its peaks are read from outside: the resident set from the kernel's high-water
 * mark ({@code VmHWM} of {@code /proc/PID/status}), the heap from its garbage collection log.
 */
final class ChildBootstrap {
    /** Heap before and after each collection in a {@code -Xlog:gc} line: {@code 512M->123M(1024M)}. */
    private static final Pattern COLLECTION = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    /** A line of the child's own log (time, level, logger), not one of its progress lines. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d \\w+ .*");

    /** What the child did: seconds from its start to its exit, its peaks in MB. */
    record Result(double seconds, double rssPeakMb, double heapPeakMb, double heapAfterGcPeakMb) {}

    private ChildBootstrap() {}

    static Result run(EmbeddedDatabase db, DatabaseTarget target, String slot, Path dir, BenchRunner.JobSettings job,
            String backend, Consumer<String> progress) throws Exception {
        Files.createDirectories(dir);
        Path gcLog = dir.resolve("bootstrap-gc.log");
        Path log = dir.resolve("bootstrap.log");
        List<String> arguments = new ArrayList<>(List.of("bootstrap",
                "--db-url", db.jdbcUrl(), "--db-user", db.user(), "--db-schema", target.schema(), "--slot", slot,
                "--publication", BenchRunner.PUBLICATION, "--savepoint-dir", dir.resolve("savepoints").toString(),
                "--parallelism", Integer.toString(job.parallelism()), "--state-backend", backend));
        if (job.bootstrapDefersIndexes()) {
            arguments.add("--defer-indexes");
        }
        List<String> command = RestoreMeasurement.commandLine(List.of("-Xlog:gc:file=" + gcLog), arguments);
        progress.accept(String.format("      bootstrap (child JVM, -Xmx2g, state on %s), log %s", backend, log));
        long started = System.nanoTime();
        Process child = RestoreMeasurement.start(command, db, log, false);
        Path status = Path.of("/proc", Long.toString(child.pid()), "status");
        double rssPeak = 0;
        while (child.isAlive()) {
            double hwm = JvmAndState.procStatusMb(status, "VmHWM:"); // the kernel's own peak: nothing is missed between reads
            if (!Double.isNaN(hwm)) {
                rssPeak = Math.max(rssPeak, hwm);
            }
            Thread.sleep(200);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !LOG_LINE.matcher(line).matches() && !line.startsWith("\t") && !line.startsWith(" at ")) {
                progress.accept("      | " + line);
            }
        }
        if (child.exitValue() != 0) {
            throw new IllegalStateException("bootstrap exited with " + child.exitValue() + "; see " + log);
        }
        double[] heap = heapPeaks(Files.readAllLines(gcLog, StandardCharsets.UTF_8));
        return new Result(seconds, rssPeak, heap[0], heap[1]);
    }

    /** From {@code -Xlog:gc} lines: the most heap in use before a collection, and the most one left, MB. */
    static double[] heapPeaks(List<String> gcLog) {
        double before = 0;
        double after = 0;
        for (String line : gcLog) {
            Matcher m = COLLECTION.matcher(line);
            if (m.find()) {
                before = Math.max(before, mb(m.group(1), m.group(2)));
                after = Math.max(after, mb(m.group(3), m.group(4)));
            }
        }
        return new double[] {before, after};
    }

    private static double mb(String amount, String unit) {
        double v = Double.parseDouble(amount);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }
}
