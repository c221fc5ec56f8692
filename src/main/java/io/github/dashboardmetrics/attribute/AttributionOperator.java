package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.state.StateExport;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * {@link Attribution} run as Flink runs any keyed process function ({@code KeyedProcessOperator},
 * the same state), which in a bootstrap also emits its whole keyed state at the end of its input
 * on {@link StateExport#ENTRIES}.
 */
public final class AttributionOperator extends KeyedProcessOperator<String, JoinInput, MetricDelta> {
    private static final long serialVersionUID = 1L;

    private final boolean exportStateAtEnd;

    /** @param exportStateAtEnd emit the keyed state at the end of the input (a bootstrap) */
    public AttributionOperator(Attribution attribution, boolean exportStateAtEnd) {
        super(attribution);
        this.exportStateAtEnd = exportStateAtEnd;
    }

    @Override
    public void finish() throws Exception {
        super.finish();
        if (exportStateAtEnd) {
            StateExport.emit(getKeyedStateBackend(), ((Attribution) userFunction).registeredStates(),
                    entry -> output.collect(StateExport.ENTRIES, new StreamRecord<>(entry)));
        }
    }
}
