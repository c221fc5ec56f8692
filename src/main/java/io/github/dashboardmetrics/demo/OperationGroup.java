package io.github.dashboardmetrics.demo;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;

/** A family of related {@link WorkloadOperation}s and how to perform them. */
interface OperationGroup {
    /** The operations this group performs. */
    Set<WorkloadOperation> operations();

    /** Whether the model has what {@code operation} needs (a row to act on) right now. */
    boolean canRun(WorkloadOperation operation);

    /**
     * Performs {@code operation} inside the caller's open transaction and updates the model.
     *
     * @param now the step's clock reading, used for modified_at and "recent" times
     */
    void perform(WorkloadOperation operation, Instant now) throws SQLException;
}
