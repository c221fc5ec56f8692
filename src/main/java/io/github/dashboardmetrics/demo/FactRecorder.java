package io.github.dashboardmetrics.demo;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes new usage and page_usage rows, with the value mix the metrics must cope with, and
 * tracks them in the model. Shared by workflow runs (file executions) and Prompt-Studio-style
 * usage outside runs.
 */
final class FactRecorder {
    /** platform-service's Python default for page_usage.organization_id: it matches no organisation. */
    static final String MOCK_ORG = "mock_org";
    private static final String[] LLM_REASONS = {"extraction", "challenge", "summarize", "lookup", null, "", "other"};
    private static final double[] LLM_REASON_WEIGHTS = {50, 15, 10, 5, 10, 5, 5};

    private final GeneratorContext context;

    FactRecorder(GeneratorContext context) {
        this.context = context;
    }

    /** 0-4 usage rows of one file run (or none-file usage when runId is null), around {@code start}. */
    void usageRows(Long organizationId, UUID workflowId, UUID executionId, UUID runId, Instant start, Instant now)
            throws SQLException {
        int count = context.random().between(0, 4);
        for (int i = 0; i < count; i++) {
            Instant createdAt = context.times().shortlyAfter(start, Duration.ofMinutes(20), now);
            usageRow(organizationId, workflowId, executionId, runId, createdAt);
        }
    }

    void usageRow(Long organizationId, UUID workflowId, UUID executionId, UUID runId, Instant createdAt)
            throws SQLException {
        WorkloadRandom random = context.random();
        // A few rows lose their organisation (the FK is nullable): they count for nobody.
        Long organization = random.chance(0.05) ? null : organizationId;
        boolean llm = random.chance(0.65);
        String usageType = llm ? "llm" : "embedding";
        String reason = llm || random.chance(0.1) ? llmReason() : null;
        double cost = random.unit() * (llm ? 0.05 : 0.001);
        UUID id = random.uuid();
        context.db().insert(UnstractRows.USAGE,
                context.rows().usage(id, organization, usageType, reason, cost, workflowId, executionId, runId, createdAt));
        context.model().usages.add(id, new WorkloadModel.Fact(id, createdAt));
        context.model().markReferenced(organization);
    }

    /** A page_usage row; {@code runId} is a file execution id as text, or ''. */
    void pageUsage(String organizationIdentifier, String runId, Instant createdAt) throws SQLException {
        UUID id = context.random().uuid();
        int pages = context.random().chance(0.8) ? context.random().between(1, 20) : context.random().between(21, 400);
        context.db().insert(UnstractRows.PAGE_USAGE,
                context.rows().pageUsage(id, organizationIdentifier, runId, pages, createdAt));
        context.model().pageUsages.add(id, new WorkloadModel.Fact(id, createdAt));
        context.model().markUsedInPageUsage(organizationIdentifier);
    }

    /**
     * The string platform-service would write for an organisation: mostly its current
     * identifier, sometimes 'mock_org', sometimes an identifier some organisation gave up.
     */
    String pageUsageIdentifier(Long organizationId) {
        WorkloadModel model = context.model();
        WorkloadModel.Organization organization = organizationId == null ? null : model.organization(organizationId);
        double roll = context.random().unit();
        if (organization == null || roll < 0.05) {
            return MOCK_ORG;
        }
        if (roll < 0.08 && !model.releasedIdentifiers.isEmpty()) {
            return model.releasedIdentifiers.pick(context.random());
        }
        return organization.identifier;
    }

    String llmReason() {
        return LLM_REASONS[context.random().weightedIndex(LLM_REASON_WEIGHTS)];
    }
}
