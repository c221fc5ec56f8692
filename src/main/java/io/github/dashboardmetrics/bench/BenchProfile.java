package io.github.dashboardmetrics.bench;

import java.util.List;
import java.util.Locale;

/**
 * The size of one benchmark run.
 *
 * @param name           {@code quick}, {@code full}, {@code scale} or {@code restore}
 * @param organizations  active organisations in the dataset
 * @param historyMonths  months of history the dataset's rows are spread over
 * @param rows           source rows of the dataset (approximate: whole executions are generated)
 * @param rates          the streaming rates to try, changes per second, increasing
 * @param stepSeconds    how long each rate is held
 * @param catchupChanges changes piled up while the source ceiling and the job are stopped, then drained
 */
public record BenchProfile(String name, int organizations, int historyMonths, long rows, List<Integer> rates,
        int stepSeconds, long catchupChanges) {

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
        require(catchupChanges >= 1_000, "--catchup-changes must be >= 1000");
        rates = List.copyOf(rates);
    }

    /** 66 minutes on 2 busy cores with the state layout before issue 11 (both state backends); less as the job gets faster. */
    public static BenchProfile quick() {
        return new BenchProfile("quick", 20, 3, 500_000, List.of(250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000), 20,
                100_000);
    }

    /** A larger dataset and longer, higher steps (longer than quick). */
    public static BenchProfile full() {
        return new BenchProfile("full", 200, 12, 3_000_000, List.of(250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000), 60,
                200_000);
    }

    /**
     * Opt-in: 10M source rows in Unstract's proportions, the job on RocksDB until verify says exact;
     * snapshot time, peak RSS, state size and bytes per row. No streaming steps.
     */
    public static BenchProfile scale() {
        return new BenchProfile("scale", 500, 12, 10_000_000, List.of(1_000), 20, 1_000);
    }

    /**
     * Opt-in: 2M source rows, {@code run} in a child JVM killed with SIGKILL once its state holds
     * them, then started again: seconds until it reads changes again.
     */
    public static BenchProfile restore() {
        return new BenchProfile("restore", 100, 12, 2_000_000, List.of(1_000), 20, 1_000);
    }

    public static BenchProfile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "quick" -> quick();
            case "full" -> full();
            case "scale" -> scale();
            case "restore" -> restore();
            default -> throw new IllegalArgumentException("--profile must be quick, full, scale or restore, got: " + name);
        };
    }

    public boolean isScale() {
        return name.equals("scale");
    }

    public boolean isRestore() {
        return name.equals("restore");
    }

    public BenchProfile withOrganizations(int value) {
        return new BenchProfile(name, value, historyMonths, rows, rates, stepSeconds, catchupChanges);
    }

    public BenchProfile withHistoryMonths(int value) {
        return new BenchProfile(name, organizations, value, rows, rates, stepSeconds, catchupChanges);
    }

    public BenchProfile withRows(long value) {
        return new BenchProfile(name, organizations, historyMonths, value, rates, stepSeconds, catchupChanges);
    }

    public BenchProfile withRates(List<Integer> value) {
        return new BenchProfile(name, organizations, historyMonths, rows, value, stepSeconds, catchupChanges);
    }

    public BenchProfile withStepSeconds(int value) {
        return new BenchProfile(name, organizations, historyMonths, rows, rates, value, catchupChanges);
    }

    public BenchProfile withCatchupChanges(long value) {
        return new BenchProfile(name, organizations, historyMonths, rows, rates, stepSeconds, value);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
