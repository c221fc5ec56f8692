package io.github.dashboardmetrics.demo;

/**
 * The kinds of transaction the workload generator performs. Each step is one of them, in one
 * database transaction.
 *
 * <p>Ordinary operations are what Unstract does all day; tricky ones are the rarer changes that
 * a streaming job gets wrong first (corrections, deletes, re-parenting, renames, rows that arrive
 * before what they refer to). The weight is the relative frequency within the operation's
 * group; an operation is only chosen when it can run (there is a row to act on).
 */
public enum WorkloadOperation {
    // ---- ordinary: the execution lifecycle ------------------------------------------------
    /**
     * A workflow_execution with 0-5 PENDING file executions (sometimes the files are inserted
     * first, in the same transaction); pipeline_id an ETL/TASK pipeline, an API deployment,
     * NULL or an id that matches nothing.
     */
    START_EXECUTION(false, 10),
    /** A file execution goes PENDING -> EXECUTING. */
    START_FILE(false, 30),
    /** A file execution goes EXECUTING -> COMPLETED or ERROR, with its page_usage and usage rows. */
    FINISH_FILE(false, 30),
    // ---- ordinary: usage outside workflow runs (Prompt Studio and the like) ---------------------
    /** usage rows of any type and reason, organization sometimes NULL. */
    RECORD_USAGE(false, 8),
    /** A page_usage row with run_id '' (or no file), organisation string sometimes 'mock_org'. */
    RECORD_PAGE_USAGE(false, 4),
    // ---- ordinary: human review (hitl_queue; only when the table exists) ------------------------
    CREATE_REVIEW(false, 5),
    /** state 'approved' and approved_at set, minutes to days after created_at. */
    APPROVE_REVIEW(false, 4),
    // ---- ordinary: dimensions -------------------------------------------------------------
    CREATE_ORGANIZATION(false, 1),
    CREATE_WORKFLOW(false, 2),
    CREATE_PIPELINE(false, 2),
    CREATE_API_DEPLOYMENT(false, 2),

    // ---- tricky: status and value corrections ---------------------------------------------------
    /** A finished file execution changes between COMPLETED, ERROR and STOPPED. */
    FLIP_FILE_STATUS(true, 6),
    /** A fact's created_at moves (a late correction: the row changes bucket). */
    MOVE_CREATED_AT(true, 5),
    /** Cost, reason, type or organisation of a usage row changes. */
    REVISE_USAGE(true, 3),
    /** Pages, organisation string or run_id of a page_usage row changes. */
    REVISE_PAGE_USAGE(true, 3),
    /** An approved review goes back to pending or to rejected. */
    UNAPPROVE_REVIEW(true, 1),
    /** modified_at (and other unread columns) change, nothing a metric reads. */
    TOUCH_UNREAD_COLUMNS(true, 5),
    // ---- tricky: deletes of facts ---------------------------------------------------------------
    DELETE_USAGE(true, 3),
    DELETE_PAGE_USAGE(true, 3),
    DELETE_FILE_EXECUTION(true, 3),
    /** A workflow_execution and all its file executions. */
    DELETE_EXECUTION(true, 3),
    DELETE_REVIEW(true, 1),
    // ---- tricky: re-parenting and dimension changes ---------------------------------------------
    /** workflow_execution.workflow_id moves to another workflow (maybe of another org) or NULL. */
    REPARENT_EXECUTION(true, 4),
    /** A file execution moves to another workflow_execution. */
    REPARENT_FILE_EXECUTION(true, 3),
    /** workflow.organization_id changes (its pipelines and deployments stay where they are). */
    MOVE_WORKFLOW_TO_ORGANIZATION(true, 2),
    /** pipeline_type ETL <-> TASK. */
    CHANGE_PIPELINE_TYPE(true, 3),
    /** organization.organization_id (the string) changes; page_usage rows keep the old one. */
    RENAME_ORGANIZATION(true, 2),
    // ---- tricky: rows that arrive before what they refer to -------------------------------------
    /** A page_usage row whose run_id is a file execution inserted by a later LATE_FILE_EXECUTION. */
    PAGE_USAGE_BEFORE_FILE(true, 3),
    LATE_FILE_EXECUTION(true, 4),
    /** A workflow_execution whose pipeline_id is a pipeline or deployment inserted by a later LATE_PIPELINE. */
    EXECUTION_BEFORE_PIPELINE(true, 3),
    LATE_PIPELINE(true, 4),
    /**
     * A new workflow whose first execution is inserted before the workflow row, in the same
     * transaction (the foreign key is checked at commit), so the change stream has them in that order.
     */
    EXECUTION_BEFORE_WORKFLOW(true, 2),
    // ---- tricky: deletes of dimensions ----------------------------------------------------------
    /** Executions keep pointing at the deleted pipeline's id. */
    DELETE_PIPELINE(true, 1),
    DELETE_API_DEPLOYMENT(true, 1),
    /** Django-style cascade in one transaction: pipelines, deployments, executions and files (or executions' workflow_id set NULL). */
    DELETE_WORKFLOW(true, 1),
    /** Only an organisation nothing ever referred to (a sign-up that never used the product). */
    DELETE_ORGANIZATION(true, 1);

    private final boolean tricky;
    private final double weight;

    WorkloadOperation(boolean tricky, double weight) {
        this.tricky = tricky;
        this.weight = weight;
    }

    public boolean tricky() {
        return tricky;
    }

    /** Relative frequency among the operations of the same group (ordinary or tricky). */
    public double weight() {
        return weight;
    }

    /** True for the operations that need the hitl_queue table. */
    public boolean needsHitlQueue() {
        return this == CREATE_REVIEW || this == APPROVE_REVIEW || this == UNAPPROVE_REVIEW || this == DELETE_REVIEW;
    }
}
