package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;

/** Projects a row image of a captured table onto the fields of {@link SourceRow} the metrics read. */
public final class RowProjection {
    private RowProjection() {}

    public static SourceRow project(RowKind kind, RowFields f) throws BadChangeEvent {
        SourceRow r = new SourceRow(kind, f.requiredText("id"));
        switch (kind) {
            case ORGANIZATION:
                r.orgId = f.longValue("id");
                r.orgKey = f.text("organization_id");
                break;
            case WORKFLOW:
            case API_DEPLOYMENT:
                r.orgId = f.longValue("organization_id");
                break;
            case PIPELINE:
                r.orgId = f.longValue("organization_id");
                r.status = f.text("pipeline_type");
                break;
            case WORKFLOW_EXECUTION:
                r.parentId = f.text("workflow_id");
                r.pipelineId = f.text("pipeline_id");
                r.eventTime = requiredTime(f, "created_at");
                break;
            case WORKFLOW_FILE_EXECUTION:
                r.parentId = f.text("workflow_execution_id");
                r.status = f.text("status");
                r.eventTime = requiredTime(f, "created_at");
                break;
            case USAGE: {
                r.orgId = f.longValue("organization_id");
                r.status = f.text("usage_type");
                r.reason = f.text("llm_usage_reason");
                Double cost = f.doubleValue("cost_in_dollars");
                r.amount = cost == null ? 0.0 : cost;
                if (!Double.isFinite(r.amount)) {
                    throw new BadChangeEvent("cost_in_dollars is not a finite number: " + r.amount);
                }
                r.eventTime = requiredTime(f, "created_at");
                break;
            }
            case PAGE_USAGE: {
                r.orgKey = f.text("organization_id");
                r.parentId = f.text("run_id");
                Long pages = f.longValue("pages_processed");
                r.amount = pages == null ? 0.0 : pages;
                r.eventTime = requiredTime(f, "created_at");
                break;
            }
            case HITL_QUEUE:
                r.orgId = f.longValue("organization_id");
                r.status = f.text("state");
                r.eventTime = requiredTime(f, "created_at");
                r.approvedAt = f.timestampMillis("approved_at");
                break;
            default:
                throw new IllegalArgumentException(kind + " is not a source table");
        }
        return r;
    }

    private static Long requiredTime(RowFields f, String column) throws BadChangeEvent {
        Long t = f.timestampMillis(column);
        if (t == null) {
            throw new BadChangeEvent("column " + column + " is missing or null");
        }
        return t;
    }
}
