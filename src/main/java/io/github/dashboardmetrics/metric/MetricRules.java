package io.github.dashboardmetrics.metric;

import io.github.dashboardmetrics.change.SourceRow;
import java.util.function.Consumer;

/**
 * What one row contributes to the 12 metrics (spec: "The 12 metrics"). Pure functions: a row
 * whose organisation is resolved in, deltas out, scaled by the row's weight (+1 added, -1
 * retracted), for the tables whose rows name their organisation themselves (usage, hitl_queue).
 * The metrics that need a join (pages, executions, file executions) are counted by the joins in
 * {@code attribute}: see {@code MetricsPipeline}.
 */
public final class MetricRules {
    public static final String LLM = "llm";
    public static final String CHALLENGE = "challenge";
    public static final String SUMMARIZE = "summarize";
    public static final String APPROVED = "approved";
    public static final String COMPLETED = "COMPLETED";
    public static final String ERROR = "ERROR";
    public static final String ETL = "ETL";

    private MetricRules() {}

    /** Emits the deltas of {@code row} with multiplicity {@code weight}. */
    public static void contributions(SourceRow row, int weight, long sourceTsMs, Consumer<MetricDelta> out) {
        if (row.orgId == null) {
            return; // unresolved organisation: contributes nothing
        }
        long org = row.orgId;
        switch (row.kind) {
            case USAGE:
                if (LLM.equals(row.status)) {
                    long t = row.eventTime;
                    out.accept(new MetricDelta(org, Metric.LLM_CALLS, t, weight, weight, sourceTsMs));
                    out.accept(new MetricDelta(org, Metric.LLM_USAGE, t, weight * row.amount, weight, sourceTsMs));
                    if (CHALLENGE.equals(row.reason)) {
                        out.accept(new MetricDelta(org, Metric.CHALLENGES, t, weight, weight, sourceTsMs));
                    } else if (SUMMARIZE.equals(row.reason)) {
                        out.accept(new MetricDelta(org, Metric.SUMMARIZATION_CALLS, t, weight, weight, sourceTsMs));
                    }
                }
                break;
            case HITL_QUEUE:
                out.accept(new MetricDelta(org, Metric.HITL_REVIEWS, row.eventTime, weight, weight, sourceTsMs));
                if (APPROVED.equals(row.status) && row.approvedAt != null) {
                    out.accept(new MetricDelta(org, Metric.HITL_COMPLETIONS, row.approvedAt, weight, weight, sourceTsMs));
                }
                break;
            default:
                // The other tables count through the joins in io.github.dashboardmetrics.attribute.
                break;
        }
    }
}
