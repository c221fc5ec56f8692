package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.state.FinalSnapshot;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * {@link Attribution} run as Flink runs any keyed process function ({@code KeyedProcessOperator},
 * the same state), which in a bootstrap also snapshots itself into the savepoint at the end of its
 * input ({@link FinalSnapshot#SUBTASK_STATES}).
 */
public final class AttributionOperator extends KeyedProcessOperator<String, JoinInput, MetricDelta> {
    private static final long serialVersionUID = 2L;

    private final FinalSnapshot snapshotAtEnd;

    /** @param snapshotAtEnd the savepoint to snapshot into at the end of the input (a bootstrap); null otherwise */
    public AttributionOperator(Attribution attribution, FinalSnapshot snapshotAtEnd) {
        super(attribution);
        this.snapshotAtEnd = snapshotAtEnd;
    }

    @Override
    public void finish() throws Exception {
        super.finish();
        if (snapshotAtEnd != null) {
            snapshotAtEnd.take(this, output);
        }
    }
}
