package io.github.dashboardmetrics.demo;

import static io.github.dashboardmetrics.demo.WorkloadOperation.MOVE_CREATED_AT;
import static io.github.dashboardmetrics.demo.WorkloadOperation.TOUCH_UNREAD_COLUMNS;

import io.github.dashboardmetrics.demo.WorkloadModel.Execution;
import io.github.dashboardmetrics.demo.WorkloadModel.Fact;
import io.github.dashboardmetrics.demo.WorkloadModel.FileExecution;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Updates across all tables that are not part of a lifecycle: late created_at corrections that
 * move a counted row to another bucket, and saves that change only columns no metric reads
 * (the job must emit nothing for those, or at least nothing that changes a rollup).
 */
final class CorrectionOperations implements OperationGroup {
    private final GeneratorContext context;
    private final WorkloadModel model;
    private final WorkloadRandom random;

    CorrectionOperations(GeneratorContext context) {
        this.context = context;
        this.model = context.model();
        this.random = context.random();
    }

    @Override
    public Set<WorkloadOperation> operations() {
        return EnumSet.of(MOVE_CREATED_AT, TOUCH_UNREAD_COLUMNS);
    }

    @Override
    public boolean canRun(WorkloadOperation operation) {
        return switch (operation) {
            case MOVE_CREATED_AT -> !movableTables().isEmpty();
            case TOUCH_UNREAD_COLUMNS -> true;
            default -> throw new IllegalArgumentException("not a correction operation: " + operation);
        };
    }

    @Override
    public void perform(WorkloadOperation operation, Instant now) throws SQLException {
        switch (operation) {
            case MOVE_CREATED_AT -> moveCreatedAt(now);
            case TOUCH_UNREAD_COLUMNS -> touchUnreadColumns(now);
            default -> throw new IllegalArgumentException("not a correction operation: " + operation);
        }
    }

    /** Tables with a tracked row whose created_at can move. */
    private List<String> movableTables() {
        List<String> tables = new ArrayList<>();
        if (!model.executions.isEmpty()) {
            tables.add(UnstractRows.WORKFLOW_EXECUTION);
        }
        if (model.hasAnyFile()) {
            tables.add(UnstractRows.FILE_EXECUTION);
        }
        if (!model.usages.isEmpty()) {
            tables.add(UnstractRows.USAGE);
        }
        if (!model.pageUsages.isEmpty()) {
            tables.add(UnstractRows.PAGE_USAGE);
        }
        if (!model.pendingReviews.isEmpty() || !model.approvedReviews.isEmpty()) {
            tables.add(UnstractRows.HITL_QUEUE);
        }
        return tables;
    }

    private void moveCreatedAt(Instant now) throws SQLException {
        String table = random.pick(movableTables());
        Instant createdAt = context.times().eventTime(now);
        Row update = Row.of("created_at", createdAt);
        if (!table.equals(UnstractRows.PAGE_USAGE)) {
            update.set("modified_at", TimestampPicker.micros(now));
        }
        switch (table) {
            case UnstractRows.WORKFLOW_EXECUTION -> {
                Execution execution = model.executions.pick(random);
                context.db().updateById(table, execution.id, update);
                execution.createdAt = createdAt;
            }
            case UnstractRows.FILE_EXECUTION -> {
                FileExecution file = model.anyFile(random);
                context.db().updateById(table, file.id, update);
                file.createdAt = createdAt;
            }
            default -> {
                Fact fact = pickFact(table);
                context.db().updateById(table, fact.id, update);
                fact.createdAt = createdAt;
            }
        }
    }

    private Fact pickFact(String table) {
        return switch (table) {
            case UnstractRows.USAGE -> model.usages.pick(random);
            case UnstractRows.PAGE_USAGE -> model.pageUsages.pick(random);
            default -> {
                int pending = model.pendingReviews.size();
                boolean fromPending = random.between(1, pending + model.approvedReviews.size()) <= pending;
                yield fromPending ? model.pendingReviews.pick(random) : model.approvedReviews.pick(random);
            }
        };
    }

    /** A save that touches only columns no metric reads: modified_at and the like. */
    private void touchUnreadColumns(Instant now) throws SQLException {
        List<String> tables = new ArrayList<>(List.of(UnstractRows.ORGANIZATION));
        if (!model.workflows.isEmpty()) {
            tables.add(UnstractRows.WORKFLOW);
        }
        if (!model.pipelines.isEmpty()) {
            tables.add(UnstractRows.PIPELINE);
        }
        if (!model.apiDeployments.isEmpty()) {
            tables.add(UnstractRows.API_DEPLOYMENT);
        }
        tables.addAll(movableTables()); // the fact tables, in the same order
        String table = random.pick(tables);
        Instant modifiedAt = TimestampPicker.micros(now);
        switch (table) {
            // Organization.created_at is auto_now in Unstract: every save rewrites it.
            case UnstractRows.ORGANIZATION -> context.db().updateById(table, model.organizations.pick(random).id,
                    Row.of("modified_at", modifiedAt).set("created_at", modifiedAt));
            case UnstractRows.WORKFLOW -> context.db().updateById(table, model.workflows.pick(random).id,
                    Row.of("description", "edited " + random.hex(6)).set("modified_at", modifiedAt));
            case UnstractRows.PIPELINE -> context.db().updateById(table, model.pipelines.pick(random).id,
                    Row.of("last_run_time", modifiedAt).set("last_run_status", "SUCCESS").set("modified_at", modifiedAt));
            case UnstractRows.API_DEPLOYMENT -> context.db().updateById(table, model.apiDeployments.pick(random).id,
                    Row.of("description", "edited " + random.hex(6)).set("modified_at", modifiedAt));
            case UnstractRows.WORKFLOW_EXECUTION -> context.db().updateById(table, model.executions.pick(random).id,
                    Row.of("result_acknowledged", true).set("modified_at", modifiedAt));
            case UnstractRows.FILE_EXECUTION -> context.db().updateById(table, model.anyFile(random).id,
                    Row.of("execution_time", random.unit() * 100).set("modified_at", modifiedAt));
            case UnstractRows.USAGE -> context.db().updateById(table, model.usages.pick(random).id,
                    Row.of("execution_time_ms", random.between(50, 30_000)).set("modified_at", modifiedAt));
            case UnstractRows.PAGE_USAGE -> context.db().updateById(table, model.pageUsages.pick(random).id,
                    Row.of("file_size", (long) random.between(1_000, 20_000_000)));
            default -> context.db().updateById(table, pickFact(table).id,
                    Row.of("reviewer_id", String.valueOf(random.between(1, 20))).set("modified_at", modifiedAt));
        }
    }
}
