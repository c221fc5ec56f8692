package io.github.dashboardmetrics.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;

/** One LLM call of an organisation in {@code usage}, as the integration tests write it. */
final class LlmCalls {
    private LlmCalls() {}

    /** Inserts one LLM call created (and modified) at {@code at}, in the connection's current transaction. */
    static void insert(Connection c, long orgId, OffsetDateTime at, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO usage (created_at, modified_at, id, adapter_instance_id, usage_type, llm_usage_reason, "
                        + "model_name, embedding_tokens, prompt_tokens, completion_tokens, total_tokens, cost_in_dollars, "
                        + "organization_id) VALUES (?, ?, ?, 'adapter', 'llm', 'extraction', 'gpt', 0, 10, 5, 15, 0.25, ?)")) {
            ps.setObject(1, at);
            ps.setObject(2, at);
            ps.setObject(3, id);
            ps.setLong(4, orgId);
            ps.executeUpdate();
        }
    }
}
