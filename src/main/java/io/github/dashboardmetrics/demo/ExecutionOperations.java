package io.github.dashboardmetrics.demo;

import static io.github.dashboardmetrics.demo.WorkloadModel.COMPLETED;
import static io.github.dashboardmetrics.demo.WorkloadModel.ERROR;
import static io.github.dashboardmetrics.demo.WorkloadModel.EXECUTING;
import static io.github.dashboardmetrics.demo.WorkloadModel.PENDING;
import static io.github.dashboardmetrics.demo.WorkloadModel.STOPPED;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_FILE_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.EXECUTION_BEFORE_PIPELINE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.EXECUTION_BEFORE_WORKFLOW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.FINISH_FILE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.FLIP_FILE_STATUS;
import static io.github.dashboardmetrics.demo.WorkloadOperation.LATE_FILE_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.PAGE_USAGE_BEFORE_FILE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.REPARENT_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.REPARENT_FILE_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.START_EXECUTION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.START_FILE;

import io.github.dashboardmetrics.demo.WorkloadModel.Execution;
import io.github.dashboardmetrics.demo.WorkloadModel.FileExecution;
import io.github.dashboardmetrics.demo.WorkloadModel.Pipeline;
import io.github.dashboardmetrics.demo.WorkloadModel.ReservedFile;
import io.github.dashboardmetrics.demo.WorkloadModel.ReservedPipeline;
import io.github.dashboardmetrics.demo.WorkloadModel.Workflow;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Workflow runs: executions and their file executions through PENDING, EXECUTING and a final
 * status (writing page_usage and usage rows on the way, as a run does), and the corrections,
 * deletes, re-parentings and out-of-order arrivals that touch them.
 */
final class ExecutionOperations implements OperationGroup {
    private static final double[] FILE_COUNT_WEIGHTS = {8, 40, 20, 14, 10, 8}; // 0..5 files

    private final GeneratorContext context;
    private final WorkloadModel model;
    private final WorkloadRandom random;
    private final FactRecorder facts;
    private final DimensionOperations dimensions;

    ExecutionOperations(GeneratorContext context, FactRecorder facts, DimensionOperations dimensions) {
        this.context = context;
        this.model = context.model();
        this.random = context.random();
        this.facts = facts;
        this.dimensions = dimensions;
    }

    @Override
    public Set<WorkloadOperation> operations() {
        return EnumSet.of(START_EXECUTION, START_FILE, FINISH_FILE, FLIP_FILE_STATUS, DELETE_FILE_EXECUTION,
                DELETE_EXECUTION, REPARENT_EXECUTION, REPARENT_FILE_EXECUTION, PAGE_USAGE_BEFORE_FILE,
                LATE_FILE_EXECUTION, EXECUTION_BEFORE_PIPELINE, EXECUTION_BEFORE_WORKFLOW);
    }

    @Override
    public boolean canRun(WorkloadOperation operation) {
        return switch (operation) {
            case START_EXECUTION, EXECUTION_BEFORE_PIPELINE, PAGE_USAGE_BEFORE_FILE -> !model.workflows.isEmpty();
            case EXECUTION_BEFORE_WORKFLOW -> !model.organizations.isEmpty();
            case START_FILE -> !model.pendingFiles.isEmpty();
            case FINISH_FILE -> !model.executingFiles.isEmpty();
            case FLIP_FILE_STATUS -> !model.finishedFiles.isEmpty();
            case DELETE_FILE_EXECUTION -> model.hasAnyFile();
            case DELETE_EXECUTION -> !model.executions.isEmpty();
            case REPARENT_EXECUTION -> !model.executions.isEmpty() && model.workflows.size() >= 2;
            case REPARENT_FILE_EXECUTION -> model.hasAnyFile() && model.executions.size() >= 2;
            case LATE_FILE_EXECUTION -> !model.reservedFiles.isEmpty() && !model.executions.isEmpty();
            default -> throw new IllegalArgumentException("not an execution operation: " + operation);
        };
    }

    @Override
    public void perform(WorkloadOperation operation, Instant now) throws SQLException {
        switch (operation) {
            case START_EXECUTION -> {
                Workflow workflow = model.workflows.pick(random);
                startExecution(workflow.id, pipelineIdFor(workflow), random.weightedIndex(FILE_COUNT_WEIGHTS), now);
            }
            case START_FILE -> startFile(now);
            case FINISH_FILE -> finishFile(now);
            case FLIP_FILE_STATUS -> flipFileStatus(now);
            case DELETE_FILE_EXECUTION -> deleteFileExecution();
            case DELETE_EXECUTION -> deleteExecution();
            case REPARENT_EXECUTION -> reparentExecution(now);
            case REPARENT_FILE_EXECUTION -> reparentFileExecution(now);
            case PAGE_USAGE_BEFORE_FILE -> pageUsageBeforeFile(now);
            case LATE_FILE_EXECUTION -> insertLateFileExecution(now);
            case EXECUTION_BEFORE_PIPELINE -> executionBeforePipeline(now);
            case EXECUTION_BEFORE_WORKFLOW -> executionBeforeWorkflow(now);
            default -> throw new IllegalArgumentException("not an execution operation: " + operation);
        }
    }

    /**
     * An execution with its file executions, all PENDING (an execution with no files is done at
     * once). Sometimes the files are inserted before the execution: the foreign key is only
     * checked at commit, and the change stream then carries them in that order.
     */
    private void startExecution(UUID workflowId, UUID pipelineId, int files, Instant now) throws SQLException {
        UUID id = random.uuid();
        Instant createdAt = context.times().eventTime(now);
        boolean filesFirst = files > 0 && random.chance(0.2);
        Row execution = context.rows()
                .workflowExecution(id, workflowId, pipelineId, files, files == 0 ? COMPLETED : EXECUTING, createdAt);
        if (!filesFirst) {
            context.db().insert(UnstractRows.WORKFLOW_EXECUTION, execution);
        }
        model.addExecution(new Execution(id, workflowId, createdAt));
        for (int i = 0; i < files; i++) {
            insertFile(random.uuid(), id, PENDING, context.times().shortlyAfter(createdAt, Duration.ofSeconds(30), now), now);
        }
        if (filesFirst) {
            context.db().insert(UnstractRows.WORKFLOW_EXECUTION, execution);
        }
    }

    /**
     * What workflow_execution.pipeline_id holds: an ETL/TASK pipeline or an API deployment of the
     * workflow (of another workflow when it has none: the metrics join on the id alone, and
     * otherwise a few deletes can leave a short run without any), now and then any pipeline
     * (DEFAULT and APP too), a random id that matches nothing, or NULL (a manual run).
     */
    private UUID pipelineIdFor(Workflow workflow) {
        double roll = random.unit();
        if (roll < 0.30) {
            List<Pipeline> etlOrTask = model.pipelines.matching(p -> p.type.equals("ETL") || p.type.equals("TASK"));
            return pickPreferringWorkflow(etlOrTask, p -> p.workflowId, p -> p.id, workflow);
        }
        if (roll < 0.60) {
            return pickPreferringWorkflow(model.apiDeployments.values(), d -> d.workflowId, d -> d.id, workflow);
        }
        if (roll < 0.65) {
            return model.pipelines.isEmpty() ? null : model.pipelines.pick(random).id;
        }
        if (roll < 0.70) {
            return random.uuid();
        }
        return null;
    }

    private <T> UUID pickPreferringWorkflow(List<T> candidates, Function<T, UUID> workflowOf, Function<T, UUID> idOf,
            Workflow workflow) {
        List<T> own = candidates.stream().filter(c -> workflowOf.apply(c).equals(workflow.id)).toList();
        List<T> choices = own.isEmpty() ? candidates : own;
        return choices.isEmpty() ? null : idOf.apply(random.pick(choices));
    }

    private void insertFile(UUID id, UUID executionId, String status, Instant createdAt, Instant now) throws SQLException {
        context.db().insert(UnstractRows.FILE_EXECUTION, context.rows().fileExecution(id, executionId, status, createdAt, now));
        model.addFile(new FileExecution(id, executionId, status, createdAt));
    }

    private void startFile(Instant now) throws SQLException {
        FileExecution file = model.pendingFiles.pick(random);
        context.db().updateById(UnstractRows.FILE_EXECUTION, file.id, Row.of("status", EXECUTING).set("modified_at", now));
        model.setFileStatus(file, EXECUTING);
    }

    /**
     * EXECUTING -> COMPLETED (mostly) or ERROR, with the run's page_usage and usage rows; the
     * execution's own status follows once none of its tracked files is still running.
     */
    private void finishFile(Instant now) throws SQLException {
        FileExecution file = model.executingFiles.pick(random);
        String status = random.chance(0.85) ? COMPLETED : ERROR;
        Row update = Row.of("status", status)
                .set("execution_time", 0.5 + random.unit() * 120)
                .set("execution_error", status.equals(ERROR) ? "Error processing file" : null)
                .set("modified_at", now);
        context.db().updateById(UnstractRows.FILE_EXECUTION, file.id, update);
        model.setFileStatus(file, status);

        Execution execution = model.executions.get(file.executionId);
        Long organizationId = model.organizationOfWorkflow(execution.workflowId);
        int pageRows = random.chance(0.08) ? 0 : random.chance(0.1) ? 2 : 1;
        for (int i = 0; i < pageRows; i++) {
            String runId = random.chance(0.1) ? "" : file.id.toString();
            Instant createdAt = context.times().shortlyAfter(file.createdAt, Duration.ofHours(2), now);
            facts.pageUsage(facts.pageUsageIdentifier(organizationId), runId, createdAt);
        }
        facts.usageRows(organizationId, execution.workflowId, execution.id, file.id, file.createdAt, now);
        completeExecutionIfDone(execution, now);
    }

    private void completeExecutionIfDone(Execution execution, Instant now) throws SQLException {
        int successful = 0;
        int failed = 0;
        for (FileExecution file : model.filesOfExecution(execution.id)) {
            switch (file.status) {
                case PENDING, EXECUTING -> {
                    return;
                }
                case COMPLETED -> successful++;
                default -> failed++;
            }
        }
        context.db().updateById(UnstractRows.WORKFLOW_EXECUTION, execution.id, Row.of("status", failed > 0 ? ERROR : COMPLETED)
                .set("successful_files", successful)
                .set("failed_files", failed)
                .set("execution_time", 1 + random.unit() * 600)
                .set("modified_at", now));
    }

    /** COMPLETED <-> ERROR (a retry succeeded, a result was rejected), sometimes STOPPED. */
    private void flipFileStatus(Instant now) throws SQLException {
        FileExecution file = model.finishedFiles.pick(random);
        String status = switch (file.status) {
            case COMPLETED -> random.chance(0.9) ? ERROR : STOPPED;
            case ERROR -> random.chance(0.9) ? COMPLETED : STOPPED;
            default -> random.chance(0.5) ? COMPLETED : ERROR;
        };
        context.db().updateById(UnstractRows.FILE_EXECUTION, file.id, Row.of("status", status).set("modified_at", now));
        model.setFileStatus(file, status);
    }

    /** page_usage rows of the file stay, their run_id now pointing nowhere. */
    private void deleteFileExecution() throws SQLException {
        FileExecution file = !model.finishedFiles.isEmpty() && random.chance(0.8)
                ? model.finishedFiles.pick(random)
                : model.anyFile(random);
        context.db().delete(UnstractRows.FILE_EXECUTION, "id", file.id);
        model.forgetFile(file.id);
    }

    /** The execution and all its file executions (tracked or not), in either order. */
    private void deleteExecution() throws SQLException {
        Execution execution = model.executions.pick(random);
        boolean filesFirst = random.chance(0.5);
        if (!filesFirst) {
            context.db().delete(UnstractRows.WORKFLOW_EXECUTION, "id", execution.id);
        }
        context.db().delete(UnstractRows.FILE_EXECUTION, "workflow_execution_id", execution.id);
        if (filesFirst) {
            context.db().delete(UnstractRows.WORKFLOW_EXECUTION, "id", execution.id);
        }
        model.forgetExecution(execution.id);
    }

    /** To another workflow (maybe of another organisation), or to NULL. */
    private void reparentExecution(Instant now) throws SQLException {
        Execution execution = model.executions.pick(random);
        UUID target;
        if (execution.workflowId != null && random.chance(0.1)) {
            target = null;
        } else {
            Workflow current = execution.workflowId == null ? null : model.workflows.get(execution.workflowId);
            target = model.workflows.pickOtherThan(current, random).id;
        }
        context.db().updateById(UnstractRows.WORKFLOW_EXECUTION, execution.id,
                Row.of("workflow_id", target).set("modified_at", now));
        model.setExecutionWorkflow(execution, target);
    }

    private void reparentFileExecution(Instant now) throws SQLException {
        FileExecution file = model.anyFile(random);
        Execution target = model.executions.pickOtherThan(model.executions.get(file.executionId), random);
        context.db().updateById(UnstractRows.FILE_EXECUTION, file.id,
                Row.of("workflow_execution_id", target.id).set("modified_at", now));
        model.setFileExecution(file, target.id);
    }

    /** page_usage for a file execution that a later LATE_FILE_EXECUTION inserts. */
    private void pageUsageBeforeFile(Instant now) throws SQLException {
        Workflow workflow = model.workflows.pick(random);
        UUID fileId = random.uuid();
        Instant createdAt = context.times().eventTime(now);
        facts.pageUsage(facts.pageUsageIdentifier(workflow.organizationId), fileId.toString(), createdAt);
        model.reservedFiles.add(fileId, new ReservedFile(fileId, createdAt));
    }

    /** The file execution some page_usage row already names; created a little before that row. */
    private void insertLateFileExecution(Instant now) throws SQLException {
        ReservedFile reserved = model.reservedFiles.pick(random);
        model.reservedFiles.remove(reserved.id());
        Execution execution = model.executions.pick(random);
        double roll = random.unit();
        String status = roll < 0.5 ? COMPLETED : roll < 0.75 ? ERROR : PENDING;
        insertFile(reserved.id(), execution.id, status,
                context.times().shortlyBefore(reserved.pageUsageTime(), Duration.ofMinutes(10)), now);
    }

    /** An execution whose pipeline_id is a pipeline or deployment that a later LATE_PIPELINE inserts. */
    private void executionBeforePipeline(Instant now) throws SQLException {
        Workflow workflow = model.workflows.pick(random);
        UUID pipelineId = random.uuid();
        startExecution(workflow.id, pipelineId, random.between(0, 2), now);
        model.reservedPipelines.add(pipelineId, new ReservedPipeline(pipelineId, workflow.id));
    }

    /** A manual run of a brand-new workflow, the execution row written before the workflow row. */
    private void executionBeforeWorkflow(Instant now) throws SQLException {
        UUID workflowId = random.uuid();
        long organizationId = dimensions.organizationForNewWorkflow();
        startExecution(workflowId, null, random.between(0, 2), now);
        dimensions.createWorkflow(workflowId, organizationId, now);
    }
}
