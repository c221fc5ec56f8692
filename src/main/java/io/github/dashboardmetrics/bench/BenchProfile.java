package io.github.dashboardmetrics.bench;

import java.util.List;
import java.util.Locale;

/**
 * The size of one benchmark run.
 *
 * @param name           {@code quick} or {@code full}
 * @param organizations  active organisations in the dataset
 * @param historyMonths  months of history the dataset's rows are spread over
 * @param rows           source rows of the dataset (approximate: whole executions are generated)
 * @param rates          the streaming rates to try, changes per second, increasing
 * @param stepSeconds    how long each rate is held
 */
public record BenchProfile(String name, int organizations, int historyMonths, long rows, List<Integer> rates,
        int stepSeconds) {

    public BenchProfile {
        require(organizations >= 1, "--organizations must be >= 1");
        require(historyMonths >= 1 && historyMonths <= 120, "--history-months must be 1..120");
        require(rows >= 1_000, "--rows must be >= 1000");
        require(!rates.isEmpty(), "--rates needs at least one rate");
        for (int i = 0; i < rates.size(); i++) {
            require(rates.get(i) >= 10, "--rates must be >= 10 changes/s each");
            require(i == 0 || rates.get(i) > rates.get(i - 1), "--rates must increase");
        }
        require(stepSeconds >= 5, "--step-seconds must be >= 5");
        rates = List.copyOf(rates);
    }

    /** Finishes in a few minutes on a 2-core machine. */
    public static BenchProfile quick() {
        return new BenchProfile("quick", 20, 3, 500_000, List.of(250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000), 20);
    }

    /** A larger dataset and longer, higher steps (tens of minutes). */
    public static BenchProfile full() {
        return new BenchProfile("full", 200, 12, 3_000_000, List.of(250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000), 60);
    }

    public static BenchProfile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "quick" -> quick();
            case "full" -> full();
            default -> throw new IllegalArgumentException("--profile must be quick or full, got: " + name);
        };
    }

    public BenchProfile withOrganizations(int value) {
        return new BenchProfile(name, value, historyMonths, rows, rates, stepSeconds);
    }

    public BenchProfile withHistoryMonths(int value) {
        return new BenchProfile(name, organizations, value, rows, rates, stepSeconds);
    }

    public BenchProfile withRows(long value) {
        return new BenchProfile(name, organizations, historyMonths, value, rates, stepSeconds);
    }

    public BenchProfile withRates(List<Integer> value) {
        return new BenchProfile(name, organizations, historyMonths, rows, value, stepSeconds);
    }

    public BenchProfile withStepSeconds(int value) {
        return new BenchProfile(name, organizations, historyMonths, rows, rates, value);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
