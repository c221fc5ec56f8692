package io.github.dashboardmetrics.verify;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Inserts Unstract source rows, filling the NOT NULL columns the metrics do not read (Django
 * sets them in Python; the database has no defaults). Times are ISO-8601 with an offset.
 */
public final class SourceRows {
    private final Connection c;

    public SourceRows(Connection connection) {
        this.c = connection;
    }

    /** Deterministic ids from readable names, so that fixtures read well. */
    static UUID id(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    static OffsetDateTime at(String isoWithOffset) {
        return OffsetDateTime.parse(isoWithOffset);
    }

    public SourceRows organization(long id, String organizationId) throws SQLException {
        return insert("INSERT INTO organization (id, name, display_name, organization_id, modified_at, created_at,"
                + " allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation)"
                + " VALUES (?, ?, ?, ?, now(), now(), -1, false, false)", id, organizationId, organizationId,
                organizationId);
    }

    SourceRows workflow(UUID id, Long orgId) throws SQLException {
        return insert("INSERT INTO workflow (created_at, modified_at, id, description, workflow_name, is_active, status,"
                + " deployment_type, organization_id, shared_to_org)"
                + " VALUES (now(), now(), ?, '', ?, false, '', 'DEFAULT', ?, false)", id, id.toString(), orgId);
    }

    SourceRows pipeline(UUID id, Long orgId, String pipelineType, UUID workflowId) throws SQLException {
        return insert("INSERT INTO pipeline (created_at, modified_at, id, pipeline_name, active, scheduled,"
                + " pipeline_type, run_count, last_run_status, organization_id, workflow_id, shared_to_org)"
                + " VALUES (now(), now(), ?, ?, true, false, ?, 0, 'SUCCESS', ?, ?, false)", id,
                "p-" + id.toString().substring(0, 8), pipelineType, orgId, workflowId);
    }

    SourceRows apiDeployment(UUID id, Long orgId, UUID workflowId) throws SQLException {
        String name = "api-" + id.toString().substring(0, 8);
        return insert("INSERT INTO api_deployment (created_at, modified_at, id, display_name, description, is_active,"
                + " api_endpoint, api_name, organization_id, workflow_id, shared_to_org)"
                + " VALUES (now(), now(), ?, ?, '', true, ?, ?, ?, ?, false)", id, name, "/" + name, name, orgId,
                workflowId);
    }

    SourceRows execution(UUID id, UUID workflowId, UUID pipelineId, String createdAt) throws SQLException {
        return insert("INSERT INTO workflow_execution (created_at, modified_at, id, pipeline_id, workflow_id,"
                + " execution_mode, execution_method, execution_type, execution_log_id, status, error_message,"
                + " attempts, execution_time, result_acknowledged, total_files)"
                + " VALUES (?, ?, ?, ?, ?, 'INSTANT', 'DIRECT', 'COMPLETE', '', 'COMPLETED', '', 0, 0, false, 0)",
                at(createdAt), at(createdAt), id, pipelineId, workflowId);
    }

    /** An execution whose workflow row is gone: the (deferred) foreign key is bypassed. */
    SourceRows executionOfDeletedWorkflow(UUID id, UUID pipelineId, String createdAt) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            execution(id, id("deleted workflow"), pipelineId, createdAt);
            s.execute("SET session_replication_role = DEFAULT");
        }
        return this;
    }

    SourceRows fileExecution(UUID id, UUID executionId, String status, String createdAt) throws SQLException {
        return insert("INSERT INTO workflow_file_execution (created_at, modified_at, id, file_name, status,"
                + " workflow_execution_id) VALUES (?, ?, ?, 'doc.pdf', ?, ?)", at(createdAt), at(createdAt), id,
                status, executionId);
    }

    SourceRows usage(UUID id, Long orgId, String usageType, String reason, double cost, String createdAt)
            throws SQLException {
        return insert("INSERT INTO usage (created_at, modified_at, id, adapter_instance_id, usage_type,"
                + " llm_usage_reason, model_name, embedding_tokens, prompt_tokens, completion_tokens, total_tokens,"
                + " cost_in_dollars, organization_id) VALUES (?, ?, ?, 'adapter', ?, ?, 'model', 0, 0, 0, 0, ?, ?)",
                at(createdAt), at(createdAt), id, usageType, reason, cost, orgId);
    }

    /** {@code runId} is the file execution id as text, or {@code ""}. */
    SourceRows pageUsage(UUID id, String organizationId, String runId, int pages, String createdAt)
            throws SQLException {
        return insert("INSERT INTO page_usage (id, organization_id, file_name, file_type, run_id, pages_processed,"
                + " file_size, created_at) VALUES (?, ?, 'doc.pdf', 'application/pdf', ?, ?, 1000, ?)", id,
                organizationId, runId, pages, at(createdAt));
    }

    SourceRows hitl(UUID id, Long orgId, String state, String createdAt, String approvedAt) throws SQLException {
        return insert("INSERT INTO hitl_queue (created_at, modified_at, id, organization_id, state, approved_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)", at(createdAt), at(createdAt), id, orgId, state,
                approvedAt == null ? null : at(approvedAt));
    }

    private SourceRows insert(String sql, Object... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            s.executeUpdate();
        }
        return this;
    }
}
