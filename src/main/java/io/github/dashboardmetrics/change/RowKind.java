package io.github.dashboardmetrics.change;

/**
 * What a {@link SourceRow} holds: a projected image of one of the captured source tables, or a
 * row derived by one of the organisation joins (a fact with its organisation resolved).
 */
public enum RowKind {
    // Captured source tables (the enum name, lower-cased, is the table name).
    ORGANIZATION(true),
    WORKFLOW(true),
    PIPELINE(true),
    API_DEPLOYMENT(true),
    WORKFLOW_EXECUTION(true),
    WORKFLOW_FILE_EXECUTION(true),
    USAGE(true),
    PAGE_USAGE(true),
    HITL_QUEUE(true),

    // Derived by the joins in io.github.dashboardmetrics.attribute.
    /** A page_usage row whose organisation string resolved to an organization id. */
    PAGES_OF_ORG(false),
    /** A workflow_execution with the organisation of its workflow. */
    EXECUTION_OF_ORG(false),
    /** A workflow_execution whose pipeline_id is an ETL pipeline, with the pipeline's organisation. */
    EXECUTION_OF_ETL_PIPELINE(false),
    /** A workflow_execution whose pipeline_id is an api_deployment, with the deployment's organisation. */
    EXECUTION_OF_API_DEPLOYMENT(false),
    /** A COMPLETED or ERROR file execution with the organisation of its execution. */
    FILE_EXECUTION_OF_ORG(false),
    /** The pages of one page_usage row that belong to a failed (ERROR) file execution. */
    PAGES_OF_FAILED_FILE(false);

    private final boolean sourceTable;

    RowKind(boolean sourceTable) {
        this.sourceTable = sourceTable;
    }

    public boolean isSourceTable() {
        return sourceTable;
    }

    /** The PostgreSQL table name of a source kind. */
    public String tableName() {
        if (!sourceTable) {
            throw new IllegalStateException(this + " is not a source table");
        }
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The source kind for a table name, or null when the table is not captured. */
    public static RowKind ofTable(String table) {
        if (table == null) {
            return null;
        }
        for (RowKind k : values()) {
            if (k.sourceTable && k.name().equalsIgnoreCase(table)) {
                return k;
            }
        }
        return null;
    }
}
