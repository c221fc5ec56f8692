package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;

/**
 * The organisation joins of the spec, one rule each. Each derived row keeps the fact's id and
 * event time, takes the organisation from the dimension side, and names the other side in
 * {@code parentId} so that distinct pairs stay distinct rows.
 */
public final class JoinRules {
    private JoinRules() {}

    /** organization (by organization_id string) x page_usage -> pages_processed. */
    public static final JoinRule PAGES_TO_ORGANIZATION =
            (org, page) -> derived(RowKind.PAGES_OF_ORG, page, org.orgId, org.id);

    /** workflow x workflow_execution (by workflow_id) -> prompt_executions, and the execution's org. */
    public static final JoinRule EXECUTION_TO_WORKFLOW =
            (workflow, exec) -> derived(RowKind.EXECUTION_OF_ORG, exec, workflow.orgId, workflow.id);

    /** ETL pipeline or api_deployment x workflow_execution (by pipeline_id). */
    public static final JoinRule EXECUTION_TO_PIPELINE = (pipeline, exec) -> derived(
            pipeline.kind == RowKind.API_DEPLOYMENT
                    ? RowKind.EXECUTION_OF_API_DEPLOYMENT
                    : RowKind.EXECUTION_OF_ETL_PIPELINE,
            exec, pipeline.orgId, pipeline.id);

    /** execution's org x workflow_file_execution (by workflow_execution_id). */
    public static final JoinRule FILE_TO_EXECUTION = (execOfOrg, file) -> {
        SourceRow r = derived(RowKind.FILE_EXECUTION_OF_ORG, file, execOfOrg.orgId, execOfOrg.id);
        r.status = file.status;
        return r;
    };

    /** failed file execution (by id) x page_usage (by run_id) -> failed_pages value. */
    public static final JoinRule PAGES_TO_FAILED_FILE = (failedFile, page) -> {
        SourceRow r = derived(RowKind.PAGES_OF_FAILED_FILE, page, failedFile.orgId, failedFile.id);
        // Bucketed by the file execution's created_at, not the page row's.
        r.eventTime = failedFile.eventTime;
        return r;
    };

    private static SourceRow derived(RowKind kind, SourceRow fact, Long orgId, String otherId) {
        SourceRow r = new SourceRow(kind, fact.id);
        r.orgId = orgId;
        r.parentId = otherId;
        r.eventTime = fact.eventTime;
        r.amount = fact.amount;
        return r;
    }
}
