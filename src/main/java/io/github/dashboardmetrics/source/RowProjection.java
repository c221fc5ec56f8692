package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.RowValidity;
import io.github.dashboardmetrics.change.SourceRow;
import java.util.List;

/**
 * Projects a row image of a captured table onto the fields of {@link SourceRow} the metrics read.
 * Columns that are NOT NULL in Unstract's schema and read by a metric are required, and values
 * outside {@link RowValidity} make the image invalid: both throw {@link BadChangeEvent#invalidRow}.
 * Values of the wrong type throw a plain {@link BadChangeEvent}.
 */
public final class RowProjection {
    private RowProjection() {}

    /**
     * The columns {@link #project} reads of a table, {@code id} first: what a bulk read of the table
     * selects. Keep it beside {@code project}, which it must match.
     */
    public static List<String> columns(RowKind kind) {
        return switch (kind) {
            case ORGANIZATION -> List.of("id", "organization_id");
            case WORKFLOW, API_DEPLOYMENT -> List.of("id", "organization_id");
            case PIPELINE -> List.of("id", "organization_id", "pipeline_type");
            case WORKFLOW_EXECUTION -> List.of("id", "workflow_id", "pipeline_id", "created_at");
            case WORKFLOW_FILE_EXECUTION -> List.of("id", "workflow_execution_id", "status", "created_at");
            case USAGE -> List.of("id", "organization_id", "usage_type", "llm_usage_reason", "cost_in_dollars", "created_at");
            case PAGE_USAGE -> List.of("id", "organization_id", "run_id", "pages_processed", "created_at");
            case HITL_QUEUE -> List.of("id", "organization_id", "state", "created_at", "approved_at");
        };
    }

    public static SourceRow project(RowKind kind, RowFields f) throws BadChangeEvent {
        SourceRow r = new SourceRow(kind, f.requiredText("id"));
        switch (kind) {
            case ORGANIZATION:
                r.orgId = f.longValue("id");
                r.orgKey = required(f.text("organization_id"), "organization_id");
                break;
            case WORKFLOW:
            case API_DEPLOYMENT:
                r.orgId = f.longValue("organization_id");
                break;
            case PIPELINE:
                r.orgId = f.longValue("organization_id");
                r.status = required(f.text("pipeline_type"), "pipeline_type");
                break;
            case WORKFLOW_EXECUTION:
                r.parentId = f.text("workflow_id");
                r.pipelineId = f.text("pipeline_id");
                r.eventTime = requiredTime(f, "created_at");
                break;
            case WORKFLOW_FILE_EXECUTION:
                r.parentId = required(f.text("workflow_execution_id"), "workflow_execution_id");
                r.status = required(f.text("status"), "status");
                r.eventTime = requiredTime(f, "created_at");
                break;
            case USAGE: {
                r.orgId = f.longValue("organization_id");
                r.status = required(f.text("usage_type"), "usage_type");
                r.reason = f.text("llm_usage_reason");
                double cost = required(f.doubleValue("cost_in_dollars"), "cost_in_dollars");
                check(RowValidity.costProblem(cost), "cost_in_dollars");
                r.amount = cost;
                r.eventTime = requiredTime(f, "created_at");
                break;
            }
            case PAGE_USAGE: {
                r.orgKey = required(f.text("organization_id"), "organization_id");
                r.parentId = required(f.text("run_id"), "run_id");
                long pages = required(f.longValue("pages_processed"), "pages_processed");
                check(RowValidity.pagesProblem(pages), "pages_processed");
                r.amount = pages;
                r.eventTime = requiredTime(f, "created_at");
                break;
            }
            case HITL_QUEUE:
                r.orgId = f.longValue("organization_id");
                r.status = required(f.text("state"), "state");
                r.eventTime = requiredTime(f, "created_at");
                r.approvedAt = f.timestampMillis("approved_at");
                if (r.approvedAt != null) {
                    check(RowValidity.eventTimeProblem(r.approvedAt), "approved_at");
                }
                break;
            default:
                throw new IllegalArgumentException(kind + " is not a source table");
        }
        return r;
    }

    private static Long requiredTime(RowFields f, String column) throws BadChangeEvent {
        long t = required(f.timestampMillis(column), column);
        check(RowValidity.eventTimeProblem(t), column);
        return t;
    }

    private static <T> T required(T value, String column) throws BadChangeEvent {
        if (value == null) {
            throw BadChangeEvent.invalidRow("column " + column + " is missing or null");
        }
        return value;
    }

    private static void check(String problem, String column) throws BadChangeEvent {
        if (problem != null) {
            throw BadChangeEvent.invalidRow("column " + column + " " + problem);
        }
    }
}
