package io.github.dashboardmetrics.metric;

import io.github.dashboardmetrics.change.SourceRow;
import java.util.function.Consumer;

/**
 * What one row contributes to the 12 metrics (spec: "The 12 metrics"). Pure functions: a row
 * whose organisation is resolved in, deltas out, scaled by the row's weight (+1 added, -1
 * retracted). Rows that need a join (pages, executions, file executions) arrive here as the
 * derived kinds the joins in {@code attribute} produce.
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
            case PAGES_OF_ORG:
                out.accept(new MetricDelta(org, Metric.PAGES_PROCESSED, row.eventTime, weight * row.amount, weight, sourceTsMs));
                break;
            case EXECUTION_OF_ORG:
                out.accept(new MetricDelta(org, Metric.PROMPT_EXECUTIONS, row.eventTime, weight, weight, sourceTsMs));
                break;
            case EXECUTION_OF_ETL_PIPELINE:
                out.accept(new MetricDelta(org, Metric.ETL_PIPELINE_EXECUTIONS, row.eventTime, weight, weight, sourceTsMs));
                break;
            case EXECUTION_OF_API_DEPLOYMENT:
                out.accept(new MetricDelta(org, Metric.DEPLOYED_API_REQUESTS, row.eventTime, weight, weight, sourceTsMs));
                break;
            case FILE_EXECUTION_OF_ORG:
                if (COMPLETED.equals(row.status)) {
                    out.accept(new MetricDelta(org, Metric.DOCUMENTS_PROCESSED, row.eventTime, weight, weight, sourceTsMs));
                } else if (ERROR.equals(row.status)) {
                    // The failed file counts once; its pages arrive as PAGES_OF_FAILED_FILE rows.
                    out.accept(new MetricDelta(org, Metric.FAILED_PAGES, row.eventTime, 0.0, weight, sourceTsMs));
                }
                break;
            case PAGES_OF_FAILED_FILE:
                out.accept(new MetricDelta(org, Metric.FAILED_PAGES, row.eventTime, weight * row.amount, 0, sourceTsMs));
                break;
            default:
                // Dimension tables and not-yet-joined facts contribute nothing by themselves.
                break;
        }
    }
}
