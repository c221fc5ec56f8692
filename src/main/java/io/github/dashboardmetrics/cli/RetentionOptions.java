package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.rollup.RetentionPolicy;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The three retention options of {@code run}, {@code bootstrap} and {@code verify}: the buckets
 * the job keeps and writes, which bootstrap builds and verify compares. They must be the same in
 * all three (they decide the state's TTL, so a savepoint's serializers).
 */
final class RetentionOptions {
    @Option(names = "--hourly-retention-days", defaultValue = "" + RetentionPolicy.DEFAULT_HOURLY_DAYS, paramLabel = "DAYS",
            description = "Hourly buckets older than this are neither kept nor written (0 = unlimited); run, bootstrap and"
                    + " verify take the same. Default: ${DEFAULT-VALUE}.")
    int hourlyDays;

    @Option(names = "--daily-retention-days", defaultValue = "" + RetentionPolicy.DEFAULT_DAILY_DAYS, paramLabel = "DAYS",
            description = "The same for daily buckets. Default: ${DEFAULT-VALUE}.")
    int dailyDays;

    @Option(names = "--monthly-retention-days", defaultValue = "" + RetentionPolicy.DEFAULT_MONTHLY_DAYS, paramLabel = "DAYS",
            description = "The same for monthly buckets. Default: ${DEFAULT-VALUE}.")
    int monthlyDays;

    /** The policy; refuses negative days (exit 2). */
    RetentionPolicy policy() {
        return new RetentionPolicy(hourlyDays, dailyDays, monthlyDays);
    }

    /** The options as given, for a printed command line. */
    List<String> asArguments() {
        return List.of("--hourly-retention-days", Integer.toString(hourlyDays),
                "--daily-retention-days", Integer.toString(dailyDays),
                "--monthly-retention-days", Integer.toString(monthlyDays));
    }
}
