package io.github.dashboardmetrics.demo;

import static io.github.dashboardmetrics.demo.WorkloadOperation.APPROVE_REVIEW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.CREATE_REVIEW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_PAGE_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_REVIEW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.RECORD_PAGE_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.RECORD_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.REVISE_PAGE_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.REVISE_USAGE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.UNAPPROVE_REVIEW;

import io.github.dashboardmetrics.demo.WorkloadModel.Fact;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * Facts that are not file executions: usage and page_usage rows written outside workflow runs
 * (Prompt Studio), human-review items (hitl_queue, when the table exists), and their
 * corrections and deletes.
 */
final class UsageOperations implements OperationGroup {
    private final GeneratorContext context;
    private final WorkloadModel model;
    private final WorkloadRandom random;
    private final FactRecorder facts;

    UsageOperations(GeneratorContext context, FactRecorder facts) {
        this.context = context;
        this.model = context.model();
        this.random = context.random();
        this.facts = facts;
    }

    @Override
    public Set<WorkloadOperation> operations() {
        return EnumSet.of(RECORD_USAGE, RECORD_PAGE_USAGE, CREATE_REVIEW, APPROVE_REVIEW, UNAPPROVE_REVIEW,
                DELETE_REVIEW, DELETE_USAGE, DELETE_PAGE_USAGE, REVISE_USAGE, REVISE_PAGE_USAGE);
    }

    @Override
    public boolean canRun(WorkloadOperation operation) {
        boolean hitl = context.hitlQueue();
        return switch (operation) {
            case RECORD_USAGE, RECORD_PAGE_USAGE -> !model.workflows.isEmpty();
            case CREATE_REVIEW -> hitl && !model.workflows.isEmpty();
            case APPROVE_REVIEW -> hitl && !model.pendingReviews.isEmpty();
            case UNAPPROVE_REVIEW -> hitl && !model.approvedReviews.isEmpty();
            case DELETE_REVIEW -> hitl && (!model.pendingReviews.isEmpty() || !model.approvedReviews.isEmpty());
            case DELETE_USAGE, REVISE_USAGE -> !model.usages.isEmpty();
            case DELETE_PAGE_USAGE, REVISE_PAGE_USAGE -> !model.pageUsages.isEmpty();
            default -> throw new IllegalArgumentException("not a usage operation: " + operation);
        };
    }

    @Override
    public void perform(WorkloadOperation operation, Instant now) throws SQLException {
        switch (operation) {
            case RECORD_USAGE -> recordUsage(now);
            case RECORD_PAGE_USAGE -> recordPageUsage(now);
            case CREATE_REVIEW -> createReview(now);
            case APPROVE_REVIEW -> approveReview(now);
            case UNAPPROVE_REVIEW -> unapproveReview(now);
            case DELETE_REVIEW -> deleteReview();
            case DELETE_USAGE -> context.db().delete(UnstractRows.USAGE, "id", model.usages.removeRandom(random).id);
            case DELETE_PAGE_USAGE -> context.db().delete(UnstractRows.PAGE_USAGE, "id", model.pageUsages.removeRandom(random).id);
            case REVISE_USAGE -> reviseUsage(now);
            case REVISE_PAGE_USAGE -> revisePageUsage();
            default -> throw new IllegalArgumentException("not a usage operation: " + operation);
        }
    }

    /** 1-3 LLM or embedding calls of a Prompt Studio session: no execution, no run. */
    private void recordUsage(Instant now) throws SQLException {
        long organizationId = model.workflows.pick(random).organizationId;
        Instant start = context.times().eventTime(now);
        int calls = random.between(1, 3);
        for (int i = 0; i < calls; i++) {
            facts.usageRow(organizationId, null, null, null,
                    context.times().shortlyAfter(start, Duration.ofMinutes(5), now));
        }
    }

    /** Pages extracted outside a run: run_id '', an id of no file, or some file's id. */
    private void recordPageUsage(Instant now) throws SQLException {
        long organizationId = model.workflows.pick(random).organizationId;
        double roll = random.unit();
        String runId = "";
        if (roll < 0.2) {
            runId = random.uuid().toString();
        } else if (roll < 0.4 && model.hasAnyFile()) {
            runId = model.anyFile(random).id.toString();
        }
        facts.pageUsage(facts.pageUsageIdentifier(organizationId), runId, context.times().eventTime(now));
    }

    private void createReview(Instant now) throws SQLException {
        long organizationId = model.workflows.pick(random).organizationId;
        UUID executionId = !model.executions.isEmpty() && random.chance(0.5) ? model.executions.pick(random).id : null;
        UUID id = random.uuid();
        Instant createdAt = context.times().eventTime(now);
        context.db().insert(UnstractRows.HITL_QUEUE, context.rows().review(id, organizationId, executionId, createdAt));
        model.pendingReviews.add(id, new Fact(id, createdAt));
        model.markReferenced(organizationId);
    }

    /** hitl_completions count in the bucket of approved_at, often a later hour or day than created_at. */
    private void approveReview(Instant now) throws SQLException {
        Fact review = model.pendingReviews.removeRandom(random);
        Instant approvedAt = context.times().approvalTime(review.createdAt, now);
        context.db().updateById(UnstractRows.HITL_QUEUE, review.id, Row.of("state", "approved")
                .set("approved_at", approvedAt)
                .set("approver_id", String.valueOf(random.between(1, 20)))
                .set("modified_at", now));
        model.approvedReviews.add(review.id, review);
    }

    /** Back to pending (approved_at cleared), or rejected with the old approved_at left in place. */
    private void unapproveReview(Instant now) throws SQLException {
        Fact review = model.approvedReviews.removeRandom(random);
        Row update = random.chance(0.5)
                ? Row.of("state", "pending").set("approved_at", null)
                : Row.of("state", "rejected");
        context.db().updateById(UnstractRows.HITL_QUEUE, review.id, update.set("modified_at", now));
        model.pendingReviews.add(review.id, review);
    }

    private void deleteReview() throws SQLException {
        int pending = model.pendingReviews.size();
        boolean fromPending = random.between(1, pending + model.approvedReviews.size()) <= pending;
        Fact review = fromPending ? model.pendingReviews.removeRandom(random) : model.approvedReviews.removeRandom(random);
        context.db().delete(UnstractRows.HITL_QUEUE, "id", review.id);
    }

    /** One of cost, reason, type or organisation (another one, or NULL) changes. */
    private void reviseUsage(Instant now) throws SQLException {
        Fact usage = model.usages.pick(random);
        Row update = switch (random.between(0, 3)) {
            case 0 -> Row.of("cost_in_dollars", random.unit() * 0.05);
            case 1 -> Row.of("llm_usage_reason", facts.llmReason());
            case 2 -> Row.of("usage_type", random.pickOne("llm", "embedding"));
            default -> {
                Long organizationId = random.chance(0.2) ? null : model.organizations.pick(random).id;
                model.markReferenced(organizationId);
                yield Row.of("organization_id", organizationId);
            }
        };
        context.db().updateById(UnstractRows.USAGE, usage.id, update.set("modified_at", now));
    }

    /** One of pages, organisation string or run_id changes (page_usage has no modified_at). */
    private void revisePageUsage() throws SQLException {
        Fact pageUsage = model.pageUsages.pick(random);
        Row update = switch (random.between(0, 2)) {
            case 0 -> Row.of("pages_processed", random.between(1, 50));
            case 1 -> {
                String identifier = facts.pageUsageIdentifier(model.workflows.pick(random).organizationId);
                model.markUsedInPageUsage(identifier);
                yield Row.of("organization_id", identifier);
            }
            default -> Row.of("run_id", model.hasAnyFile() && random.chance(0.7) ? model.anyFile(random).id.toString() : "");
        };
        context.db().updateById(UnstractRows.PAGE_USAGE, pageUsage.id, update);
    }
}
