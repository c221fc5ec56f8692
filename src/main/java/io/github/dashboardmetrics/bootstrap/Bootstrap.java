package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.backfill.BackfillWriter;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.source.PreflightException;
import io.github.dashboardmetrics.source.SourcePreflight;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A whole bootstrap, as {@code bootstrap} runs it (and the benchmark measures it): preflight, the
 * slot with its exported snapshot, the bounded job ({@link BootstrapJob}) writing the savepoint,
 * the record beside it ({@link BootstrapRecord}), the rollup tables and dead letters written to
 * match. A bootstrap killed midway is cleaned up by the next one with the same slot
 * ({@link BootstrapMarker}).
 */
public final class Bootstrap {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /**
     * What to bootstrap, and from where.
     *
     * @param slotWait how long the slot's creation may wait for transactions open when it began
     *     (zero: no limit)
     * @param deferIndexes the rollup tables are empty and nobody reads them until the commit: their
     *     indexes, keys included, are built after the rows ({@link DeferredIndexes})
     */
    public record Settings(DatabaseTarget source, DatabaseTarget rollup, String slot, String publication,
            Path savepointDir, int parallelism, RetentionPolicy retention, String stateBackend, Duration slotWait,
            boolean deferIndexes) {
        public Settings {
            stateBackend = StateBackendDefaults.parse(stateBackend);
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
            }
            Objects.requireNonNull(slotWait, "slot wait");
            DatabaseTarget.requireIdentifier(slot, "slot name");
        }
    }

    /** What a bootstrap did: where its savepoint is, where the slot's changes begin, what it wrote. */
    public record Outcome(Path savepoint, long consistentPoint, long rowsRead, long buckets, long deadLetters, long upserted,
            long deleted, double seconds) {}

    private Bootstrap() {}

    /** How often a bootstrap reports the rows read so far while it reads, unless told otherwise. */
    public static final Duration READ_REPORT_EVERY = Duration.ofSeconds(30);

    /** Runs a bootstrap; {@code progress} hears each step. */
    public static Outcome run(Settings s, Consumer<String> progress) throws Exception {
        return run(s, progress, READ_REPORT_EVERY);
    }

    /** The same, with the rows read so far reported every {@code readReportEvery} while the tables are read. */
    public static Outcome run(Settings s, Consumer<String> progress, Duration readReportEvery) throws Exception {
        long started = System.nanoTime();
        progress.accept("[1/4] Checking the databases...");
        SourcePreflight.Result checked = SourcePreflight.check(s.source(), s.rollup(), s.publication());
        StagedRollups.requireTemporaryTables(s.rollup());
        if (s.deferIndexes()) {
            DeferredIndexes.requireEmptyOwnedTables(s.rollup());
        }
        Files.createDirectories(s.savepointDir());
        BootstrapMarker marker = new BootstrapMarker(s.savepointDir(), s.slot());
        marker.cleanUpAfterAnEarlierAttempt(s.source(), progress);
        SourcePreflight.requireNoSlot(s.source(), s.slot());

        Path savepoint = s.savepointDir().resolve("bootstrap-" + s.slot() + "-" + STAMP.format(Instant.now())).toAbsolutePath();
        marker.begin(savepoint);
        // Stopped (SIGTERM, Ctrl-C) before the end: the slot and the partial savepoint go too.
        Thread atStop = new Thread(() -> marker.cleanUpAtStop(s.source(), progress), "bootstrap-cleanup-at-stop");
        Runtime.getRuntime().addShutdownHook(atStop);
        try {
            return createSlotReadAndWrite(s, savepoint, marker, checked, started, progress, readReportEvery);
        } catch (Exception | Error failure) {
            marker.cleanUpAfterFailure(s.source(), progress);
            throw failure;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(atStop);
            } catch (IllegalStateException stopping) {
                // the JVM is shutting down: the hook runs (or ran)
            }
        }
    }

    /** Steps 2 to 4, once the marker is written: everything that leaves a slot and a savepoint behind. */
    private static Outcome createSlotReadAndWrite(Settings s, Path savepoint, BootstrapMarker marker,
            SourcePreflight.Result checked, long started, Consumer<String> progress, Duration readReportEvery)
            throws Exception {
        progress.accept("[2/4] Creating replication slot " + s.slot() + " with an exported snapshot...");
        BootstrapJob.Result result;
        long consistentPoint;
        BackfillWriter.Applied applied;
        long buckets;
        int indexesRebuilt;
        // The final rows are merged into the rollup tables in batches as they arrive, while the
        // savepoint is written, in one transaction committed once it is complete: nothing of the
        // rollups is held in the JVM, and nothing is committed for a bootstrap that fails.
        RetentionPolicy r = s.retention();
        try (StagedRollups staged = new StagedRollups(s.rollup(), () -> new VerifyScope(null, null, null, r.hourlyDays(),
                r.dailyDays(), r.monthlyDays(), Instant.now()), s.deferIndexes())) {
            ExportedSnapshotSlot created;
            try {
                created = ExportedSnapshotSlot.create(s.source(), s.slot(), s.slotWait(), progress);
            } catch (PreflightException cancelled) {
                marker.end(); // the creation gave up at its limit: no slot, no savepoint
                throw cancelled;
            }
            try (ExportedSnapshotSlot exported = created) {
                consistentPoint = exported.consistentPoint();
                progress.accept("      consistent point " + ProgressTable.lsnText(consistentPoint) + "; snapshot "
                        + exported.snapshotName());
                progress.accept(String.format(Locale.ROOT,
                        "[3/4] Reading %d tables in key ranges with %d readers, through the job's pipeline (state on %s)...",
                        checked.capturedTables().size(), s.parallelism(), s.stateBackend()));
                long[] received = {0};
                result = BootstrapJob.run(new BootstrapJob.Settings(s.source(), checked.capturedTables(), s.parallelism(),
                        s.retention(), s.stateBackend()), exported.snapshotName(), System.currentTimeMillis(),
                        savepoint.toUri().toString(), row -> {
                            staged.add(row);
                            if (++received[0] == 1) {
                                // The rollup hands its rows over once all its input is in.
                                progress.accept(String.format(Locale.ROOT,
                                        "      all rows read and through the pipeline (%.1f s); the state and the final rollup rows"
                                                + " follow, the rows merged into the rollup tables (not committed yet) as they arrive",
                                        (System.nanoTime() - started) / 1e9));
                            }
                            if (received[0] % 500_000 == 0) {
                                // every bucket's row arrives, an emptied one too; only rows are staged
                                progress.accept("      " + received[0] + " buckets' final rows received so far, "
                                        + staged.staged() + " of them rows, " + staged.upserted() + " merged where they differed");
                            }
                        }, readReportEvery, progress);
            }
            new BootstrapRecord(s.slot(), consistentPoint, s.source().schema(), s.retention()).write(savepoint);
            buckets = staged.staged();
            progress.accept(String.format(Locale.ROOT, "      savepoint %s; %d rows read, %d buckets, %d refused rows (%.1f s)",
                    savepoint, result.rowsRead(), buckets, result.deadLetters().size(), (System.nanoTime() - started) / 1e9));

            progress.accept("[4/4] Writing the rollup tables to match: the last rows, "
                    + (s.deferIndexes() ? "their indexes built again (--defer-indexes), " : "")
                    + "then one commit...");
            applied = staged.finish();
            indexesRebuilt = staged.deferredIndexes();
        }
        if (!result.deadLetters().isEmpty()) {
            DeadLetterTable.insertAll(s.rollup(), result.deadLetters());
        }
        progress.accept(String.format(Locale.ROOT, "      %d rows upserted, %d deleted%s; %d dead letters", applied.upserted(),
                applied.deleted(), s.deferIndexes() ? ", " + indexesRebuilt + " indexes built again" : "",
                result.deadLetters().size()));
        marker.end();
        return new Outcome(savepoint, consistentPoint, result.rowsRead(), buckets, result.deadLetters().size(), applied.upserted(),
                applied.deleted(), (System.nanoTime() - started) / 1e9);
    }
}
