package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.SourceRow;
import java.io.Serializable;

/** How one dimension row and one fact row with the same join key combine into a derived row. */
@FunctionalInterface
public interface JoinRule extends Serializable {
    /** The derived row, or null when this pair derives nothing. */
    SourceRow join(SourceRow dimension, SourceRow fact);
}
