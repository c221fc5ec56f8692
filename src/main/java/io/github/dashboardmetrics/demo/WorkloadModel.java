package io.github.dashboardmetrics.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the generator knows about the rows it wrote: ids, parents and the few fields its later
 * decisions depend on. Operations pick rows from here with the seeded random, never from query
 * results, so a seed gives the same workload whatever order the database returns rows in.
 *
 * <p>Dimensions (organisations, workflows, pipelines, deployments) are always all tracked. Facts
 * may be forgotten when a pool exceeds its limit ({@link #forgetExcess}); a forgotten row stays
 * in the database untouched. This is safe because every delete of a parent also deletes its
 * children in SQL ({@code WHERE parent_id = ?}), not from this model's lists. The model keeps
 * one invariant for that: a tracked file execution's execution is tracked too.
 */
final class WorkloadModel {
    static final String PENDING = "PENDING";
    static final String EXECUTING = "EXECUTING";
    static final String COMPLETED = "COMPLETED";
    static final String ERROR = "ERROR";
    static final String STOPPED = "STOPPED";

    static final class Organization {
        final long id;
        String identifier;
        /**
         * True once anything referred to this organisation (by id, or by its string in page_usage).
         * Only never-referenced organisations are deleted: the job may hold rollup rows for the
         * others, and those rows have a foreign key to organization.
         */
        boolean everReferenced;

        Organization(long id, String identifier) {
            this.id = id;
            this.identifier = identifier;
        }
    }

    static final class Workflow {
        final UUID id;
        long organizationId;

        Workflow(UUID id, long organizationId) {
            this.id = id;
            this.organizationId = organizationId;
        }
    }

    static final class Pipeline {
        final UUID id;
        final UUID workflowId;
        String type;

        Pipeline(UUID id, UUID workflowId, String type) {
            this.id = id;
            this.workflowId = workflowId;
            this.type = type;
        }
    }

    static final class ApiDeployment {
        final UUID id;
        final UUID workflowId;

        ApiDeployment(UUID id, UUID workflowId) {
            this.id = id;
            this.workflowId = workflowId;
        }
    }

    static final class Execution {
        final UUID id;
        UUID workflowId; // null after its workflow was deleted with SET NULL, or re-parented to NULL
        Instant createdAt;

        Execution(UUID id, UUID workflowId, Instant createdAt) {
            this.id = id;
            this.workflowId = workflowId;
            this.createdAt = createdAt;
        }
    }

    static final class FileExecution {
        final UUID id;
        UUID executionId;
        String status;
        Instant createdAt;

        FileExecution(UUID id, UUID executionId, String status, Instant createdAt) {
            this.id = id;
            this.executionId = executionId;
            this.status = status;
            this.createdAt = createdAt;
        }
    }

    /** A usage, page_usage or hitl_queue row: only its id and created_at matter later. */
    static final class Fact {
        final UUID id;
        Instant createdAt;

        Fact(UUID id, Instant createdAt) {
            this.id = id;
            this.createdAt = createdAt;
        }
    }

    /** The id of a file execution whose page_usage row was written first. */
    record ReservedFile(UUID id, Instant pageUsageTime) {
    }

    /** The id of a pipeline or deployment that an execution referred to before it existed. */
    record ReservedPipeline(UUID id, UUID workflowId) {
    }

    final Pool<Long, Organization> organizations = new Pool<>();
    final Pool<UUID, Workflow> workflows = new Pool<>();
    final Pool<UUID, Pipeline> pipelines = new Pool<>();
    final Pool<UUID, ApiDeployment> apiDeployments = new Pool<>();
    final Pool<UUID, Execution> executions = new Pool<>();
    final Pool<UUID, FileExecution> pendingFiles = new Pool<>();
    final Pool<UUID, FileExecution> executingFiles = new Pool<>();
    /** COMPLETED, ERROR or STOPPED. */
    final Pool<UUID, FileExecution> finishedFiles = new Pool<>();
    final Pool<UUID, Fact> usages = new Pool<>();
    final Pool<UUID, Fact> pageUsages = new Pool<>();
    final Pool<UUID, Fact> pendingReviews = new Pool<>();
    final Pool<UUID, Fact> approvedReviews = new Pool<>();
    final Pool<UUID, ReservedFile> reservedFiles = new Pool<>();
    final Pool<UUID, ReservedPipeline> reservedPipelines = new Pool<>();
    /** Identifier strings no organisation holds any more (page_usage rows may still carry them). */
    final Pool<String, String> releasedIdentifiers = new Pool<>();

    private final Map<String, Organization> organizationByIdentifier = new HashMap<>();
    private final Set<String> identifiersSeenInPageUsage = new HashSet<>();
    // Insertion-ordered, so that removals from the pools happen in a deterministic order.
    private final Map<UUID, LinkedHashSet<UUID>> executionIdsByWorkflow = new HashMap<>();
    private final Map<UUID, LinkedHashSet<UUID>> fileIdsByExecution = new HashMap<>();

    // ---- organisations -------------------------------------------------------------------------

    void addOrganization(Organization organization) {
        organizations.add(organization.id, organization);
        holdIdentifier(organization, organization.identifier);
    }

    void renameOrganization(Organization organization, String newIdentifier) {
        organizationByIdentifier.remove(organization.identifier);
        releasedIdentifiers.add(organization.identifier, organization.identifier);
        holdIdentifier(organization, newIdentifier);
    }

    void removeOrganization(Organization organization) {
        organizations.remove(organization.id);
        organizationByIdentifier.remove(organization.identifier);
    }

    Organization organization(long id) {
        return organizations.get(id);
    }

    boolean isIdentifierTaken(String identifier) {
        return organizationByIdentifier.containsKey(identifier) || releasedIdentifiers.contains(identifier);
    }

    void markReferenced(Long organizationId) {
        if (organizationId != null) {
            Organization organization = organizations.get(organizationId);
            if (organization != null) {
                organization.everReferenced = true;
            }
        }
    }

    /** Records that a page_usage row carries {@code identifier}; its holder, if any, is referenced now. */
    void markUsedInPageUsage(String identifier) {
        identifiersSeenInPageUsage.add(identifier);
        Organization holder = organizationByIdentifier.get(identifier);
        if (holder != null) {
            holder.everReferenced = true;
        }
    }

    private void holdIdentifier(Organization organization, String identifier) {
        releasedIdentifiers.remove(identifier);
        organization.identifier = identifier;
        organizationByIdentifier.put(identifier, organization);
        if (identifiersSeenInPageUsage.contains(identifier)) {
            organization.everReferenced = true;
        }
    }

    /** Organisation of a workflow, or null for a null or unknown workflow. */
    Long organizationOfWorkflow(UUID workflowId) {
        Workflow workflow = workflowId == null ? null : workflows.get(workflowId);
        return workflow == null ? null : workflow.organizationId;
    }

    // ---- executions and file executions --------------------------------------------------------

    void addExecution(Execution execution) {
        executions.add(execution.id, execution);
        indexExecution(execution);
    }

    void setExecutionWorkflow(Execution execution, UUID workflowId) {
        unindexExecution(execution);
        execution.workflowId = workflowId;
        indexExecution(execution);
    }

    /** Ids of the tracked executions of a workflow, in a deterministic order. */
    List<UUID> executionIdsOfWorkflow(UUID workflowId) {
        LinkedHashSet<UUID> ids = executionIdsByWorkflow.get(workflowId);
        return ids == null ? List.of() : new ArrayList<>(ids);
    }

    /** Forgets an execution and its tracked file executions (after a delete, or to save memory). */
    void forgetExecution(UUID executionId) {
        Execution execution = executions.remove(executionId);
        if (execution == null) {
            return;
        }
        unindexExecution(execution);
        for (FileExecution file : filesOfExecution(executionId)) {
            forgetFile(file.id);
        }
        fileIdsByExecution.remove(executionId);
    }

    void addFile(FileExecution file) {
        poolFor(file.status).add(file.id, file);
        fileIdsByExecution.computeIfAbsent(file.executionId, id -> new LinkedHashSet<>()).add(file.id);
    }

    void setFileStatus(FileExecution file, String status) {
        poolFor(file.status).remove(file.id);
        file.status = status;
        poolFor(status).add(file.id, file);
    }

    void setFileExecution(FileExecution file, UUID executionId) {
        unindexFile(file);
        file.executionId = executionId;
        fileIdsByExecution.computeIfAbsent(executionId, id -> new LinkedHashSet<>()).add(file.id);
    }

    void forgetFile(UUID fileId) {
        FileExecution file = file(fileId);
        if (file != null) {
            poolFor(file.status).remove(fileId);
            unindexFile(file);
        }
    }

    FileExecution file(UUID fileId) {
        FileExecution file = pendingFiles.get(fileId);
        if (file == null) {
            file = executingFiles.get(fileId);
        }
        return file != null ? file : finishedFiles.get(fileId);
    }

    /** Tracked file executions of an execution, in a deterministic order. */
    List<FileExecution> filesOfExecution(UUID executionId) {
        List<FileExecution> files = new ArrayList<>();
        LinkedHashSet<UUID> ids = fileIdsByExecution.get(executionId);
        if (ids != null) {
            for (UUID id : ids) {
                files.add(file(id));
            }
        }
        return files;
    }

    boolean hasAnyFile() {
        return !pendingFiles.isEmpty() || !executingFiles.isEmpty() || !finishedFiles.isEmpty();
    }

    /** A tracked file execution of any status, each equally likely; null when there is none. */
    FileExecution anyFile(WorkloadRandom random) {
        int total = pendingFiles.size() + executingFiles.size() + finishedFiles.size();
        if (total == 0) {
            return null;
        }
        int index = random.between(0, total - 1);
        if (index < pendingFiles.size()) {
            return pendingFiles.values().get(index);
        }
        index -= pendingFiles.size();
        if (index < executingFiles.size()) {
            return executingFiles.values().get(index);
        }
        return finishedFiles.values().get(index - executingFiles.size());
    }

    Pool<UUID, FileExecution> poolFor(String status) {
        return switch (status) {
            case PENDING -> pendingFiles;
            case EXECUTING -> executingFiles;
            default -> finishedFiles;
        };
    }

    private void indexExecution(Execution execution) {
        if (execution.workflowId != null) {
            executionIdsByWorkflow.computeIfAbsent(execution.workflowId, id -> new LinkedHashSet<>()).add(execution.id);
        }
    }

    private void unindexExecution(Execution execution) {
        if (execution.workflowId != null) {
            LinkedHashSet<UUID> ids = executionIdsByWorkflow.get(execution.workflowId);
            if (ids != null) {
                ids.remove(execution.id);
                if (ids.isEmpty()) {
                    executionIdsByWorkflow.remove(execution.workflowId);
                }
            }
        }
    }

    private void unindexFile(FileExecution file) {
        LinkedHashSet<UUID> ids = fileIdsByExecution.get(file.executionId);
        if (ids != null) {
            ids.remove(file.id);
            if (ids.isEmpty()) {
                fileIdsByExecution.remove(file.executionId);
            }
        }
    }

    // ---- memory bound --------------------------------------------------------------------------

    /**
     * Forgets random facts beyond {@code limit} per pool, so that a long demo run does not grow
     * without bound. Forgotten rows stay in the database; they are just never touched again.
     */
    void forgetExcess(int limit, WorkloadRandom random) {
        forgetExcess(usages, limit, random);
        forgetExcess(pageUsages, limit, random);
        forgetExcess(pendingReviews, limit, random);
        forgetExcess(approvedReviews, limit, random);
        forgetExcess(reservedFiles, limit, random);
        forgetExcess(reservedPipelines, limit, random);
        while (finishedFiles.size() > limit) {
            forgetFile(finishedFiles.pick(random).id);
        }
        while (executions.size() > limit) {
            forgetExecution(executions.pick(random).id);
        }
    }

    private static void forgetExcess(Pool<?, ?> pool, int limit, WorkloadRandom random) {
        while (pool.size() > limit) {
            pool.removeRandom(random);
        }
    }
}
