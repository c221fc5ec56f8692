package io.github.dashboardmetrics.demo;

import static io.github.dashboardmetrics.demo.WorkloadOperation.CHANGE_PIPELINE_TYPE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.CREATE_API_DEPLOYMENT;
import static io.github.dashboardmetrics.demo.WorkloadOperation.CREATE_ORGANIZATION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.CREATE_PIPELINE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.CREATE_WORKFLOW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_API_DEPLOYMENT;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_ORGANIZATION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_PIPELINE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.DELETE_WORKFLOW;
import static io.github.dashboardmetrics.demo.WorkloadOperation.LATE_PIPELINE;
import static io.github.dashboardmetrics.demo.WorkloadOperation.MOVE_WORKFLOW_TO_ORGANIZATION;
import static io.github.dashboardmetrics.demo.WorkloadOperation.RENAME_ORGANIZATION;

import io.github.dashboardmetrics.demo.WorkloadModel.ApiDeployment;
import io.github.dashboardmetrics.demo.WorkloadModel.Organization;
import io.github.dashboardmetrics.demo.WorkloadModel.Pipeline;
import io.github.dashboardmetrics.demo.WorkloadModel.ReservedPipeline;
import io.github.dashboardmetrics.demo.WorkloadModel.Workflow;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Organisations, workflows, pipelines and API deployments: the dimensions the metrics join
 * through. Creating them, and the changes that move already-counted facts to another
 * organisation or to none: renames, type changes, moves and deletes.
 */
final class DimensionOperations implements OperationGroup {
    private static final String[] PIPELINE_TYPES = {"ETL", "TASK", "DEFAULT", "APP"};
    private static final double[] PIPELINE_TYPE_WEIGHTS = {40, 30, 15, 15};
    /** Deleting workflows stops here, so executions always have somewhere to run. */
    private static final int MIN_WORKFLOWS = 3;

    private final GeneratorContext context;
    private final WorkloadModel model;
    private final WorkloadRandom random;

    DimensionOperations(GeneratorContext context) {
        this.context = context;
        this.model = context.model();
        this.random = context.random();
    }

    @Override
    public Set<WorkloadOperation> operations() {
        return EnumSet.of(CREATE_ORGANIZATION, CREATE_WORKFLOW, CREATE_PIPELINE, CREATE_API_DEPLOYMENT,
                MOVE_WORKFLOW_TO_ORGANIZATION, CHANGE_PIPELINE_TYPE, RENAME_ORGANIZATION, LATE_PIPELINE,
                DELETE_PIPELINE, DELETE_API_DEPLOYMENT, DELETE_WORKFLOW, DELETE_ORGANIZATION);
    }

    /**
     * The starting point: {@code active} organisations with 1-3 workflows each, their pipelines
     * and deployments (the first workflow gets one ETL, one TASK pipeline and one deployment, so
     * every metric has a path from the start), and {@code idle} organisations that signed up and
     * never used anything.
     */
    void setUp(int active, int idle, Instant now) throws SQLException {
        for (int i = 0; i < active; i++) {
            Organization organization = createOrganization(now);
            int workflows = random.between(1, 3);
            for (int w = 0; w < workflows; w++) {
                Workflow workflow = createWorkflow(random.uuid(), organization.id, now);
                boolean first = i == 0 && w == 0;
                if (first) {
                    createPipeline(workflow, random.uuid(), "ETL", now);
                    createPipeline(workflow, random.uuid(), "TASK", now);
                }
                int pipelines = random.between(0, 2);
                for (int p = 0; p < pipelines; p++) {
                    createPipeline(workflow, random.uuid(), randomPipelineType(), now);
                }
                if (first || random.chance(0.5)) {
                    createApiDeployment(workflow, random.uuid(), now);
                }
            }
        }
        for (int i = 0; i < idle; i++) {
            createOrganization(now);
        }
    }

    @Override
    public boolean canRun(WorkloadOperation operation) {
        return switch (operation) {
            case CREATE_ORGANIZATION, RENAME_ORGANIZATION -> true;
            case CREATE_WORKFLOW -> !model.organizations.isEmpty();
            case CREATE_PIPELINE, CREATE_API_DEPLOYMENT -> !model.workflows.isEmpty();
            case MOVE_WORKFLOW_TO_ORGANIZATION -> !model.workflows.isEmpty() && model.organizations.size() >= 2;
            case CHANGE_PIPELINE_TYPE -> !etlOrTaskPipelines().isEmpty();
            case LATE_PIPELINE -> !model.reservedPipelines.isEmpty() && !model.workflows.isEmpty();
            case DELETE_PIPELINE -> !model.pipelines.isEmpty();
            case DELETE_API_DEPLOYMENT -> !model.apiDeployments.isEmpty();
            case DELETE_WORKFLOW -> model.workflows.size() > MIN_WORKFLOWS;
            case DELETE_ORGANIZATION -> !neverReferencedOrganizations().isEmpty();
            default -> throw new IllegalArgumentException("not a dimension operation: " + operation);
        };
    }

    @Override
    public void perform(WorkloadOperation operation, Instant now) throws SQLException {
        switch (operation) {
            case CREATE_ORGANIZATION -> createOrganization(now);
            case CREATE_WORKFLOW -> createWorkflow(random.uuid(), organizationForNewWorkflow(), now);
            case CREATE_PIPELINE -> createPipeline(model.workflows.pick(random), random.uuid(), randomPipelineType(), now);
            case CREATE_API_DEPLOYMENT -> createApiDeployment(model.workflows.pick(random), random.uuid(), now);
            case MOVE_WORKFLOW_TO_ORGANIZATION -> moveWorkflow(now);
            case CHANGE_PIPELINE_TYPE -> changePipelineType(now);
            case RENAME_ORGANIZATION -> renameOrganization(now);
            case LATE_PIPELINE -> insertLatePipeline(now);
            case DELETE_PIPELINE -> deletePipeline();
            case DELETE_API_DEPLOYMENT -> deleteApiDeployment();
            case DELETE_WORKFLOW -> deleteWorkflow(now);
            case DELETE_ORGANIZATION -> deleteOrganization();
            default -> throw new IllegalArgumentException("not a dimension operation: " + operation);
        }
    }

    private Organization createOrganization(Instant now) throws SQLException {
        // Sometimes a new organisation takes a string another one gave up: old page_usage rows
        // with that string then count for the newcomer.
        String identifier = !model.releasedIdentifiers.isEmpty() && random.chance(0.3)
                ? model.releasedIdentifiers.pick(random)
                : freshIdentifier();
        long id = context.db().insertReturningId(UnstractRows.ORGANIZATION, context.rows().organization(identifier, now));
        Organization organization = new Organization(id, identifier);
        model.addOrganization(organization);
        return organization;
    }

    /** Also used by {@link ExecutionOperations} for an execution that precedes its workflow. */
    Workflow createWorkflow(UUID id, long organizationId, Instant now) throws SQLException {
        context.db().insert(UnstractRows.WORKFLOW, context.rows().workflow(id, organizationId, now));
        Workflow workflow = new Workflow(id, organizationId);
        model.workflows.add(id, workflow);
        model.markReferenced(organizationId);
        return workflow;
    }

    /** Usually an organisation that already works (has a workflow); sometimes any, idle ones included. */
    long organizationForNewWorkflow() {
        if (!model.workflows.isEmpty() && random.chance(0.8)) {
            return model.workflows.pick(random).organizationId;
        }
        return model.organizations.pick(random).id;
    }

    private void createPipeline(Workflow workflow, UUID id, String type, Instant now) throws SQLException {
        context.db().insert(UnstractRows.PIPELINE,
                context.rows().pipeline(id, workflow.id, workflow.organizationId, type, now));
        model.pipelines.add(id, new Pipeline(id, workflow.id, type));
    }

    private void createApiDeployment(Workflow workflow, UUID id, Instant now) throws SQLException {
        context.db().insert(UnstractRows.API_DEPLOYMENT,
                context.rows().apiDeployment(id, workflow.id, workflow.organizationId, now));
        model.apiDeployments.add(id, new ApiDeployment(id, workflow.id));
    }

    /** Counted executions and files of the workflow now belong to another organisation. */
    private void moveWorkflow(Instant now) throws SQLException {
        Workflow workflow = model.workflows.pick(random);
        Organization target = model.organizations.pickOtherThan(model.organization(workflow.organizationId), random);
        context.db().updateById(UnstractRows.WORKFLOW, workflow.id,
                Row.of("organization_id", target.id).set("modified_at", now));
        workflow.organizationId = target.id;
        model.markReferenced(target.id);
    }

    private void changePipelineType(Instant now) throws SQLException {
        Pipeline pipeline = random.pick(etlOrTaskPipelines());
        String type = pipeline.type.equals("ETL") ? "TASK" : "ETL";
        context.db().updateById(UnstractRows.PIPELINE, pipeline.id, Row.of("pipeline_type", type).set("modified_at", now));
        pipeline.type = type;
    }

    /** Django's auto_now on Organization.created_at rewrites it on every save, so it changes too. */
    private void renameOrganization(Instant now) throws SQLException {
        Organization organization = model.organizations.pick(random);
        String identifier = !model.releasedIdentifiers.isEmpty() && random.chance(0.4)
                ? model.releasedIdentifiers.pick(random)
                : freshIdentifier();
        context.db().updateById(UnstractRows.ORGANIZATION, organization.id,
                Row.of("organization_id", identifier).set("modified_at", now).set("created_at", now));
        model.renameOrganization(organization, identifier);
    }

    /** The pipeline or deployment an EXECUTION_BEFORE_PIPELINE execution already points to. */
    private void insertLatePipeline(Instant now) throws SQLException {
        ReservedPipeline reserved = model.reservedPipelines.pick(random);
        model.reservedPipelines.remove(reserved.id());
        Workflow workflow = model.workflows.get(reserved.workflowId());
        if (workflow == null) {
            workflow = model.workflows.pick(random);
        }
        if (random.chance(0.7)) {
            createPipeline(workflow, reserved.id(), random.chance(0.6) ? "ETL" : "TASK", now);
        } else {
            createApiDeployment(workflow, reserved.id(), now);
        }
    }

    /** Executions keep the id in pipeline_id; it now points nowhere. */
    private void deletePipeline() throws SQLException {
        Pipeline pipeline = model.pipelines.pick(random);
        context.db().delete(UnstractRows.PIPELINE, "id", pipeline.id);
        model.pipelines.remove(pipeline.id);
    }

    private void deleteApiDeployment() throws SQLException {
        ApiDeployment deployment = model.apiDeployments.pick(random);
        context.db().delete(UnstractRows.API_DEPLOYMENT, "id", deployment.id);
        model.apiDeployments.remove(deployment.id);
    }

    /**
     * Django's cascade, in one transaction: pipelines, deployments, and the executions with their
     * file executions are deleted (or the executions' workflow_id set NULL). The children go by
     * SQL condition, so rows the model has forgotten go too. The foreign keys are checked at
     * commit, so the workflow row may even go first, and half the time it does.
     */
    private void deleteWorkflow(Instant now) throws SQLException {
        Workflow workflow = model.workflows.pick(random);
        boolean cascadeExecutions = random.chance(0.7);
        boolean workflowFirst = random.chance(0.5);
        SourceRowWriter db = context.db();
        if (workflowFirst) {
            db.delete(UnstractRows.WORKFLOW, "id", workflow.id);
        }
        List<UUID> executionIds = model.executionIdsOfWorkflow(workflow.id);
        if (cascadeExecutions) {
            db.deleteWhere(UnstractRows.FILE_EXECUTION, "\"workflow_execution_id\" IN (SELECT \"id\" FROM "
                    + db.table(UnstractRows.WORKFLOW_EXECUTION) + " WHERE \"workflow_id\" = ?)", List.of(workflow.id));
            db.delete(UnstractRows.WORKFLOW_EXECUTION, "workflow_id", workflow.id);
            executionIds.forEach(model::forgetExecution);
        } else {
            db.update(UnstractRows.WORKFLOW_EXECUTION, Row.of("workflow_id", null).set("modified_at", now),
                    "workflow_id", workflow.id);
            for (UUID executionId : executionIds) {
                model.setExecutionWorkflow(model.executions.get(executionId), null);
            }
        }
        db.delete(UnstractRows.PIPELINE, "workflow_id", workflow.id);
        db.delete(UnstractRows.API_DEPLOYMENT, "workflow_id", workflow.id);
        for (Pipeline pipeline : model.pipelines.matching(p -> p.workflowId.equals(workflow.id))) {
            model.pipelines.remove(pipeline.id);
        }
        for (ApiDeployment deployment : model.apiDeployments.matching(d -> d.workflowId.equals(workflow.id))) {
            model.apiDeployments.remove(deployment.id);
        }
        if (!workflowFirst) {
            db.delete(UnstractRows.WORKFLOW, "id", workflow.id);
        }
        model.workflows.remove(workflow.id);
    }

    private void deleteOrganization() throws SQLException {
        Organization organization = random.pick(neverReferencedOrganizations());
        context.db().delete(UnstractRows.ORGANIZATION, "id", organization.id);
        model.removeOrganization(organization);
    }

    private List<Pipeline> etlOrTaskPipelines() {
        return model.pipelines.matching(p -> p.type.equals("ETL") || p.type.equals("TASK"));
    }

    private List<Organization> neverReferencedOrganizations() {
        return model.organizations.matching(o -> !o.everReferenced);
    }

    private String randomPipelineType() {
        return PIPELINE_TYPES[random.weightedIndex(PIPELINE_TYPE_WEIGHTS)];
    }

    private String freshIdentifier() {
        String identifier;
        do {
            identifier = "org_" + random.alphanumeric(16);
        } while (model.isIdentifierTaken(identifier));
        return identifier;
    }
}
