package io.github.dashboardmetrics.bench;

/**
 * One streaming rate held for a while.
 *
 * @param targetRate       changes per second asked for
 * @param achievedRate     changes per second the workload committed
 * @param changes          row changes committed during the step
 * @param probes           probes committed during the step
 * @param p50Ms            freshness percentiles of the step's probes, ms
 * @param trendMsPerS      least-squares slope of freshness over commit time (ms of lag gained per s)
 * @param slotLagStartBytes WAL the job's slot had not confirmed at the start of the step
 * @param slotLagEndBytes   the same at the end of the step (before the drain)
 * @param drainSeconds     after the step's last commit, until its last probe was visible
 * @param sustained        whether the job kept up (see {@link RateSteps#sustained})
 */
public record StepResult(int targetRate, double achievedRate, long changes, int probes, double p50Ms, double p95Ms,
        double p99Ms, double trendMsPerS, long slotLagStartBytes, long slotLagEndBytes, double drainSeconds,
        boolean sustained, String verdict) {}
