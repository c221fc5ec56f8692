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
            description = "Hourly buckets older than this are neither kept nor written (0 = unlimited); give run,"
                    + " bootstrap and verify the same. Default: ${DEFAULT-VALUE}.")
    int hourlyDays;

    @Option(names = "--daily-retention-days", defaultValue = "" + RetentionPolicy.DEFAULT_DAILY_DAYS, paramLabel = "DAYS",
            description = "Daily buckets older than this are neither kept nor written (0 = unlimited); give run,"
                    + " bootstrap and verify the same. Default: ${DEFAULT-VALUE}.")
    int dailyDays;

    @Option(names = "--monthly-retention-days", defaultValue = "" + RetentionPolicy.DEFAULT_MONTHLY_DAYS, paramLabel = "DAYS",
            description = "Monthly buckets older than this are neither kept nor written (0 = unlimited); give run,"
                    + " bootstrap and verify the same. Default: ${DEFAULT-VALUE}.")
    int monthlyDays;

    /** The policy; refuses negative days, naming the option (exit 2). */
    RetentionPolicy policy() {
        requireNotNegative("--hourly-retention-days", hourlyDays);
        requireNotNegative("--daily-retention-days", dailyDays);
        requireNotNegative("--monthly-retention-days", monthlyDays);
        return new RetentionPolicy(hourlyDays, dailyDays, monthlyDays);
    }

    private static void requireNotNegative(String option, int days) {
        if (days < 0) {
            throw new IllegalArgumentException(option + " must be >= 0 (0 = unlimited), got " + days);
        }
    }

    /** The options that give {@code retention}, for a printed command line. */
    static List<String> arguments(RetentionPolicy retention) {
        return List.of("--hourly-retention-days", Integer.toString(retention.hourlyDays()),
                "--daily-retention-days", Integer.toString(retention.dailyDays()),
                "--monthly-retention-days", Integer.toString(retention.monthlyDays()));
    }
}
