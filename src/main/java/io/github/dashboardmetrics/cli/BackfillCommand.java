package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.backfill.BackfillJob;
import io.github.dashboardmetrics.backfill.BackfillWriter;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.verify.RollupEntry;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backfill}: recompute a range of buckets in full from a snapshot of the source tables and
 * write the corrections in one transaction (or, with --dry-run, print them). Replaces Unstract's
 * {@code backfill_metrics} command, without its partial first hour, day and month.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = {"Recompute every bucket of a day range from a snapshot of the source tables (a bounded Flink job)",
                "and correct the rollup tables in one transaction. Hour and day buckets of the days, and the months",
                "that overlap them, are rewritten complete. Rows past the retention options are left alone.",
                "Run it while no streaming job writes the same tables (stop that one with a savepoint first)."})
public class BackfillCommand implements Callable<Integer> {
    @Mixin
    DatabaseOptions db;

    @Option(names = "--from", required = true, paramLabel = "DATE", description = "First UTC day (yyyy-MM-dd).")
    LocalDate from;

    @Option(names = "--to", required = true, paramLabel = "DATE", description = "Last UTC day, inclusive (yyyy-MM-dd).")
    LocalDate to;

    @Option(names = "--org", paramLabel = "ID", description = "Only this organisation (organization.id).")
    Long org;

    @Option(names = "--dry-run", description = "Print what would change; write nothing.")
    boolean dryRun;

    @Option(names = "--slot", defaultValue = "dashboard_metrics_backfill", paramLabel = "NAME",
            description = "Replication slot Flink CDC uses while reading the snapshot: created for the backfill and dropped"
                    + " after it (one that exists already is used and left as it was). Default: ${DEFAULT-VALUE}.")
    String slot;

    @Mixin
    SlotWaitOption slotWait;

    @Option(names = "--publication", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Publication of the captured tables (created when missing). Default: ${DEFAULT-VALUE}.")
    String publication;

    @Option(names = "--hourly-retention-days", defaultValue = "30", paramLabel = "DAYS",
            description = "Hourly buckets older than this are not touched (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    int hourlyRetentionDays;

    @Option(names = "--daily-retention-days", defaultValue = "365", paramLabel = "DAYS",
            description = "Daily buckets older than this are not touched (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    int dailyRetentionDays;

    @Option(names = "--max-differences", defaultValue = "20", paramLabel = "N",
            description = "How many changes to list. Default: ${DEFAULT-VALUE}.")
    int maxDifferences;

    @Override
    public Integer call() throws Exception {
        slotWait.limit(); // refused up front
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("--from " + from + " is after --to " + to);
        }
        db.withDefaultTimeouts(io.github.dashboardmetrics.config.DatabaseTarget.Timeouts.LONG_STATEMENTS);
        VerifyScope scope = new VerifyScope(org, from, to, hourlyRetentionDays, dailyRetentionDays, 0, Instant.now());
        long started = System.nanoTime();
        System.out.println("Backfill of " + scope.describe() + (dryRun ? " (dry run)" : ""));
        System.out.println("[1/3] Reading a snapshot of the source tables and recomputing every bucket...");
        Map<Granularity, List<RollupEntry>> recomputed = BackfillJob.recompute(
                new BackfillJob.Settings(db.source(), db.rollup(), slot, publication, slotWait.limit()), System.out::println,
                received -> {
                    if (received % 10_000 == 0) {
                        System.out.println("      " + received + " buckets recomputed so far");
                    }
                });
        long total = recomputed.values().stream().mapToLong(List::size).sum();
        System.out.printf("      %d buckets recomputed in %.1f s%n", total, (System.nanoTime() - started) / 1e9);

        System.out.println("[2/3] Comparing with the rollup tables...");
        VerifyReport report = RollupVerifier.compare(db.rollup(), scope, recomputed,
                RollupVerifier.unknownOrganisation(db.source(), org).stream().toList());
        System.out.println(report.summary(maxDifferences));
        if (dryRun) {
            System.out.println("[3/3] Dry run: nothing written.");
            return 0;
        }
        if (report.isEqual()) {
            System.out.println("[3/3] Nothing to correct.");
            return 0;
        }
        BackfillWriter.Applied applied = BackfillWriter.apply(db.rollup(), report);
        System.out.printf("[3/3] Corrected in one transaction: %d rows upserted, %d rows deleted (%.1f s in all).%n",
                applied.upserted(), applied.deleted(), (System.nanoTime() - started) / 1e9);
        return 0;
    }
}
