package io.github.dashboardmetrics.demo;

import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * The full rows Unstract's Django models (and platform-service, for page_usage) write. The
 * database has no column defaults, so every NOT NULL column is given, with the value the Python
 * default or a plausible one. Only the arguments matter to the metrics; the rest is filler drawn
 * from the seeded random so that rows look real in psql.
 */
final class UnstractRows {
    static final String ORGANIZATION = "organization";
    static final String WORKFLOW = "workflow";
    static final String PIPELINE = "pipeline";
    static final String API_DEPLOYMENT = "api_deployment";
    static final String WORKFLOW_EXECUTION = "workflow_execution";
    static final String FILE_EXECUTION = "workflow_file_execution";
    static final String USAGE = "usage";
    static final String PAGE_USAGE = "page_usage";
    static final String HITL_QUEUE = "hitl_queue";

    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "text-embedding-3-small"};
    private static final String[][] FILE_TYPES = {
        {"pdf", "application/pdf"}, {"png", "image/png"}, {"docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, {"txt", "text/plain"}};

    private final WorkloadRandom random;

    UnstractRows(WorkloadRandom random) {
        this.random = random;
    }

    Row organization(String identifier, Instant now) {
        String name = identifier.replace("org_", "Org ");
        return new Row()
                .set("name", name)
                .set("display_name", name)
                .set("organization_id", identifier)
                .set("modified_at", now)
                .set("created_at", now)
                .set("allowed_token_limit", -1)
                .set("created_by_id", null)
                .set("modified_by_id", null)
                .set("restrict_llm_adapter_creation", false)
                .set("restrict_connector_creation", false);
    }

    Row workflow(UUID id, long organizationId, Instant now) {
        return new Row()
                .set("created_at", now)
                .set("modified_at", now)
                .set("id", id)
                .set("description", "")
                .set("workflow_name", "workflow-" + random.hex(10))
                .set("is_active", true)
                .set("status", "")
                .set("deployment_type", random.pickOne("DEFAULT", "ETL", "TASK", "API", "APP"))
                .set("source_settings", null)
                .set("destination_settings", null)
                .set("created_by_id", 1L)
                .set("modified_by_id", 1L)
                .set("workflow_owner_id", 1L)
                .set("organization_id", organizationId)
                .set("shared_to_org", false)
                .set("max_file_execution_count", null);
    }

    Row pipeline(UUID id, UUID workflowId, long organizationId, String type, Instant now) {
        boolean scheduled = random.chance(0.5);
        return new Row()
                .set("created_at", now)
                .set("modified_at", now)
                .set("id", id)
                .set("pipeline_name", type.toLowerCase(Locale.ROOT) + "-" + random.hex(12))
                .set("app_id", null)
                .set("active", true)
                .set("scheduled", scheduled)
                .set("cron_string", scheduled ? "0 * * * *" : null)
                .set("pipeline_type", type)
                .set("run_count", 0)
                .set("last_run_time", null)
                .set("last_run_status", "YET_TO_START")
                .set("app_icon", null)
                .set("app_url", null)
                .set("access_control_bundle_id", null)
                .set("created_by_id", 1L)
                .set("modified_by_id", 1L)
                .set("organization_id", organizationId)
                .set("workflow_id", workflowId)
                .set("shared_to_org", false);
    }

    Row apiDeployment(UUID id, UUID workflowId, long organizationId, Instant now) {
        String apiName = "api-" + random.hex(12);
        return new Row()
                .set("created_at", now)
                .set("modified_at", now)
                .set("id", id)
                .set("display_name", apiName)
                .set("description", "")
                .set("is_active", true)
                .set("api_endpoint", "deployment/api/" + id + "/" + apiName + "/")
                .set("api_name", apiName)
                .set("created_by_id", 1L)
                .set("modified_by_id", 1L)
                .set("organization_id", organizationId)
                .set("workflow_id", workflowId)
                .set("shared_to_org", false);
    }

    Row workflowExecution(UUID id, UUID workflowId, UUID pipelineId, int totalFiles, String status, Instant createdAt) {
        boolean scheduled = pipelineId != null && random.chance(0.5);
        return new Row()
                .set("created_at", createdAt)
                .set("modified_at", createdAt)
                .set("id", id)
                .set("pipeline_id", pipelineId)
                .set("task_id", null)
                .set("workflow_id", workflowId)
                .set("execution_mode", random.pickOne("INSTANT", "QUEUE"))
                .set("execution_method", scheduled ? "SCHEDULED" : "DIRECT")
                .set("execution_type", "COMPLETE")
                .set("execution_log_id", "")
                .set("status", status)
                .set("error_message", "")
                .set("attempts", 0)
                .set("execution_time", 0.0)
                .set("result_acknowledged", false)
                .set("total_files", totalFiles)
                .set("successful_files", null)
                .set("failed_files", null)
                .set("queue_message_id", null);
    }

    Row fileExecution(UUID id, UUID executionId, String status, Instant createdAt, Instant now) {
        String[] type = FILE_TYPES[random.between(0, FILE_TYPES.length - 1)];
        String fileName = "document-" + random.hex(8) + "." + type[0];
        return new Row()
                .set("created_at", createdAt)
                .set("modified_at", createdAt.isAfter(now) ? createdAt : now)
                .set("id", id)
                .set("file_name", fileName)
                .set("file_path", "/input/" + fileName)
                .set("file_size", (long) random.between(1_000, 20_000_000))
                .set("file_hash", random.hex(64))
                .set("mime_type", type[1])
                .set("status", status)
                .set("execution_time", null)
                .set("execution_error", null)
                .set("workflow_execution_id", executionId)
                .set("fs_metadata", null)
                .set("provider_file_uuid", null);
    }

    /** A usage row. {@code execution} and {@code runId} are null outside workflow runs. */
    Row usage(UUID id, Long organizationId, String usageType, String reason, double cost,
            UUID workflowId, UUID executionId, UUID runId, Instant createdAt) {
        boolean llm = usageType.equals("llm");
        int prompt = llm ? random.between(200, 8_000) : 0;
        int completion = llm ? random.between(10, 1_500) : 0;
        int embedding = llm ? 0 : random.between(100, 20_000);
        return new Row()
                .set("created_at", createdAt)
                .set("modified_at", createdAt)
                .set("id", id)
                .set("workflow_id", workflowId == null ? null : workflowId.toString())
                .set("execution_id", executionId == null ? null : executionId.toString())
                .set("adapter_instance_id", "adapter-" + random.hex(8))
                .set("run_id", runId)
                .set("usage_type", usageType)
                .set("llm_usage_reason", reason)
                .set("model_name", llm ? MODELS[random.between(0, 2)] : MODELS[3])
                .set("embedding_tokens", embedding)
                .set("prompt_tokens", prompt)
                .set("completion_tokens", completion)
                .set("total_tokens", prompt + completion + embedding)
                .set("cost_in_dollars", cost)
                .set("organization_id", organizationId)
                .set("project_id", null)
                .set("prompt_id", null)
                .set("execution_time_ms", random.between(50, 30_000))
                .set("status", "SUCCESS")
                .set("error_message", null);
    }

    Row pageUsage(UUID id, String organizationIdentifier, String runId, int pages, Instant createdAt) {
        String[] type = FILE_TYPES[random.between(0, FILE_TYPES.length - 1)];
        return new Row()
                .set("id", id)
                .set("organization_id", organizationIdentifier)
                .set("file_name", "document-" + random.hex(8) + "." + type[0])
                .set("file_type", type[1])
                .set("run_id", runId)
                .set("pages_processed", pages)
                .set("file_size", (long) random.between(1_000, 20_000_000))
                .set("created_at", createdAt);
    }

    Row review(UUID id, long organizationId, UUID executionId, Instant createdAt) {
        return new Row()
                .set("created_at", createdAt)
                .set("modified_at", createdAt)
                .set("id", id)
                .set("organization_id", organizationId)
                .set("state", "pending")
                .set("approved_at", null)
                .set("reviewer_id", String.valueOf(random.between(1, 20)))
                .set("approver_id", null)
                .set("execution_id", executionId);
    }
}
