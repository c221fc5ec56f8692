package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.backfill.BackfillWriter;
import io.github.dashboardmetrics.bootstrap.BootstrapJob;
import io.github.dashboardmetrics.bootstrap.BootstrapMarker;
import io.github.dashboardmetrics.bootstrap.BootstrapRecord;
import io.github.dashboardmetrics.bootstrap.ExportedSnapshotSlot;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.source.SourcePreflight;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bootstrap}: builds the streaming job's state in a parallel bulk read, as a savepoint, and
 * prints the {@code run} command that streams on from it. The rows it reads (one exported
 * snapshot) and the changes its slot delivers afterwards meet exactly at the slot's consistent
 * point.
 */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
        description = {"Build the job's state from the source tables in a parallel bulk read (one exported snapshot), write it as a "
                + "savepoint, write the rollup tables to match, and print the run command that streams on from that savepoint "
                + "(--startup committed: from the consistent point of the replication slot the bootstrap creates).",
                "The slot must not exist yet. A bootstrap killed midway is started again with the same command: it drops "
                + "the slot it had created and starts over."})
public final class BootstrapCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Mixin
    DatabaseOptions db;

    @Option(names = "--slot", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Replication slot to create; run streams from it afterwards. Default: ${DEFAULT-VALUE}.")
    String slot;

    @Option(names = "--publication", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Publication of the captured tables (created or completed when missing). Default: ${DEFAULT-VALUE}.")
    String publication;

    @Option(names = "--savepoint-dir", required = true, paramLabel = "DIR",
            description = "Where the savepoint is written (a new directory bootstrap-<slot>-<time> inside).")
    Path savepointDir;

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "N",
            description = "Readers in parallel, and the parallelism of the bounded job. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--hourly-retention-days", defaultValue = "30", paramLabel = "DAYS",
            description = "As run's; run must be started with the same. Default: ${DEFAULT-VALUE}.")
    int hourlyRetentionDays;

    @Option(names = "--daily-retention-days", defaultValue = "365", paramLabel = "DAYS",
            description = "As run's; run must be started with the same. Default: ${DEFAULT-VALUE}.")
    int dailyRetentionDays;

    @Option(names = "--monthly-retention-days", defaultValue = "0", paramLabel = "DAYS",
            description = "As run's (0 = unlimited); run must be started with the same. Default: ${DEFAULT-VALUE}.")
    int monthlyRetentionDays;

    @Override
    public Integer call() throws Exception {
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
        }
        RetentionPolicy retention = new RetentionPolicy(hourlyRetentionDays, dailyRetentionDays, monthlyRetentionDays);
        db.withDefaultTimeouts(DatabaseTarget.Timeouts.LONG_STATEMENTS);
        DatabaseTarget source = db.source();
        DatabaseTarget rollup = db.rollup();
        long started = System.nanoTime();

        System.out.println("[1/5] Checking the databases...");
        SourcePreflight.Result checked = SourcePreflight.check(source, rollup, publication);
        Files.createDirectories(savepointDir);
        BootstrapMarker marker = new BootstrapMarker(savepointDir, slot);
        marker.cleanUpAfterAnEarlierAttempt(source, System.out::println);
        SourcePreflight.requireNoSlot(source, slot);

        Path savepoint = savepointDir.resolve("bootstrap-" + slot + "-" + STAMP.format(Instant.now())).toAbsolutePath();
        marker.begin(savepoint);
        System.out.println("[2/5] Creating replication slot " + slot + " with an exported snapshot...");
        BootstrapJob.Result result;
        long consistentPoint;
        try (ExportedSnapshotSlot exported = ExportedSnapshotSlot.create(source, slot)) {
            consistentPoint = exported.consistentPoint();
            System.out.println("      consistent point " + ProgressTable.lsnText(consistentPoint) + "; snapshot "
                    + exported.snapshotName());
            System.out.printf("[3/5] Reading %d tables in key ranges with %d readers, through the job's pipeline...%n",
                    checked.capturedTables().size(), parallelism);
            result = BootstrapJob.run(new BootstrapJob.Settings(source, checked.capturedTables(), parallelism, retention),
                    exported.snapshotName(), System.currentTimeMillis(), savepoint.toUri().toString(), received -> {
                        if (received % 50_000 == 0) {
                            System.out.println("      " + received + " rollup rows so far");
                        }
                    });
        }
        new BootstrapRecord(slot, consistentPoint, source.schema(), retention).write(savepoint);
        long buckets = result.rollups().values().stream().mapToLong(List::size).sum();
        System.out.printf("      savepoint %s; %d buckets, %d refused rows (%.1f s)%n", savepoint, buckets,
                result.deadLetters().size(), (System.nanoTime() - started) / 1e9);

        System.out.println("[4/5] Writing the rollup tables to match, in one transaction...");
        VerifyScope scope = new VerifyScope(null, null, null, hourlyRetentionDays, dailyRetentionDays, monthlyRetentionDays,
                Instant.now());
        VerifyReport report = RollupVerifier.compare(rollup, scope, result.rollups(), List.of());
        BackfillWriter.Applied applied = report.isEqual() ? new BackfillWriter.Applied(0, 0)
                : BackfillWriter.apply(rollup, report);
        if (!result.deadLetters().isEmpty()) {
            DeadLetterTable.insertAll(rollup, result.deadLetters());
        }
        System.out.printf("      %d rows upserted, %d deleted; %d dead letters%n", applied.upserted(), applied.deleted(),
                result.deadLetters().size());
        marker.end();

        System.out.printf("[5/5] Done in %.1f s. Stream on from the savepoint with:%n%n", (System.nanoTime() - started) / 1e9);
        System.out.println("  " + String.join(" ", runCommand(savepoint)));
        System.out.println();
        System.out.println("Run it once: after its first checkpoint, resume with run alone (its newest checkpoint).");
        return 0;
    }

    private List<String> runCommand(Path savepoint) {
        List<String> line = new ArrayList<>(List.of("bin/dashboard-metrics", "run"));
        line.addAll(db.asArguments());
        line.addAll(List.of("--slot", slot, "--publication", publication, "--startup", "committed",
                "--from-savepoint", savepoint.toString(),
                "--hourly-retention-days", Integer.toString(hourlyRetentionDays),
                "--daily-retention-days", Integer.toString(dailyRetentionDays),
                "--monthly-retention-days", Integer.toString(monthlyRetentionDays)));
        return line;
    }
}
