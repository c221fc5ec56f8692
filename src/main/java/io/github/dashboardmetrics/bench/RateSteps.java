package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams changes at increasing rates and measures freshness at each: every {@value #TICK_MS} ms
 * the workload commits one transaction with the changes due since the previous one (so a
 * workload that falls behind catches up with bigger transactions rather than losing changes),
 * and every {@value #PROBE_INTERVAL_MS} ms one of them carries a freshness probe. After each step
 * it waits until the step's last probe is visible (the drain), then moves to the next rate; it
 * stops after the first rate the job does not sustain. A short warm-up step comes first.
 */
final class RateSteps {
    static final int TICK_MS = 10;
    static final int WARM_UP_SECONDS = 10;
    static final int PROBE_INTERVAL_MS = 100;
    static final long DRAIN_TIMEOUT_MS = 60_000;
    /** Lag trend (ms gained per s of step) above which lag counts as growing... */
    static final double GROWING_TREND_MS_PER_S = 20;
    /** ...when the last third's median is also this much above the first third's. */
    static final double GROWING_MEDIAN_MS = 250;

    private final ChangeWorkload workload;
    private final FreshnessProbe probe;
    private final DatabaseTarget source;
    private final String slot;
    private final Consumer<String> progress;

    RateSteps(ChangeWorkload workload, FreshnessProbe probe, DatabaseTarget source, String slot, Consumer<String> progress) {
        this.workload = workload;
        this.probe = probe;
        this.source = source;
        this.slot = slot;
        this.progress = progress;
    }

    List<StepResult> run(List<Integer> rates, int stepSeconds) throws SQLException, InterruptedException {
        // Right after the snapshot the job is still settling (JIT, the first checkpoint of the
        // whole state, garbage of the snapshot): a short step at the first rate, not reported.
        int warmUp = Math.min(WARM_UP_SECONDS, stepSeconds);
        progress.accept("  warming up: " + warmUp + " s at " + rates.get(0) + " changes/s (not reported)");
        step(rates.get(0), warmUp);
        List<StepResult> results = new ArrayList<>();
        for (int rate : rates) {
            StepResult step = step(rate, stepSeconds);
            results.add(step);
            progress.accept(String.format("  %6d changes/s asked, %8.0f committed: freshness p50 %6.0f ms, p95 %6.0f, p99 %6.0f;"
                            + " trend %+.1f ms/s; drain %.1f s -> %s", rate, step.achievedRate(), step.p50Ms(), step.p95Ms(),
                    step.p99Ms(), step.trendMsPerS(), step.drainSeconds(), step.verdict()));
            if (!step.sustained()) {
                break;
            }
        }
        return results;
    }

    private StepResult step(int rate, int seconds) throws SQLException, InterruptedException {
        int firstProbe = probe.registered();
        long lagStart = SlotLag.bytes(source, slot);
        long changesBefore = workload.changes();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        RatePacer pacer = new RatePacer(rate, TICK_MS, start);
        long nextProbe = start;
        long now;
        while ((now = System.nanoTime()) < end) {
            int count = pacer.due(now);
            boolean withProbe = now >= nextProbe;
            if (withProbe) {
                nextProbe += PROBE_INTERVAL_MS * 1_000_000L;
            }
            if (count > 0 || withProbe) {
                workload.transaction(count, withProbe, withProbe ? probe::committing : () -> { });
            }
            pacer.awaitNextTick();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long lagEnd = SlotLag.bytes(source, slot);
        int lastProbe = probe.registered();
        long drainStart = System.nanoTime();
        boolean drained = probe.awaitVisible(lastProbe, DRAIN_TIMEOUT_MS);
        double drain = (System.nanoTime() - drainStart) / 1e9;
        long changes = workload.changes() - changesBefore;
        double achieved = changes / elapsed;

        double[] freshness = probe.freshnessMs(firstProbe, lastProbe);
        long[] commits = probe.commitTimes(firstProbe, firstProbe + freshness.length);
        double[] x = new double[freshness.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (commits[i] - start) / 1e9;
        }
        double trend = Percentiles.slope(x, freshness);
        int third = freshness.length / 3;
        double firstMedian = third == 0 ? 0 : Percentiles.of(java.util.Arrays.copyOfRange(freshness, 0, third), 50);
        double lastMedian = third == 0 ? 0 : Percentiles.of(java.util.Arrays.copyOfRange(freshness, freshness.length - third,
                freshness.length), 50);
        String verdict = sustained(rate, achieved, drained, trend, lastMedian - firstMedian);
        return new StepResult(rate, achieved, changes, lastProbe - firstProbe, Percentiles.of(freshness, 50),
                Percentiles.of(freshness, 95), Percentiles.of(freshness, 99), trend, lagStart, lagEnd, drain,
                verdict.equals("sustained"), verdict);
    }

    /**
     * "sustained" when the workload committed at least 95 % of the rate, every probe became
     * visible within the drain timeout, and lag did not grow: not both a trend above
     * {@value #GROWING_TREND_MS_PER_S} ms/s and a last-third median freshness more than
     * {@value #GROWING_MEDIAN_MS} ms above the first third's. Otherwise says why not.
     */
    static String sustained(int rate, double achieved, boolean drained, double trendMsPerS, double medianRiseMs) {
        if (!drained) {
            return "not sustained: probes not visible " + DRAIN_TIMEOUT_MS / 1000 + " s after the step";
        }
        if (trendMsPerS > GROWING_TREND_MS_PER_S && medianRiseMs > GROWING_MEDIAN_MS) {
            return "not sustained: lag growing";
        }
        if (achieved < 0.95 * rate) {
            return "not reached: the workload committed only " + Math.round(achieved) + "/s";
        }
        return "sustained";
    }
}
