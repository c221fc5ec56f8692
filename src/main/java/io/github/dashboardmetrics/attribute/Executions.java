package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowImages;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.util.Collector;

/**
 * Keyed by execution id: the workflow_execution, and what its file executions add up to per
 * (metric, hour). Sends to its workflow: prompt_executions (1, in the execution's hour) and its
 * files' sums; to the pipeline or API deployment its pipeline_id names: one execution. Children's
 * sum in state: {@code varLong(n)} then n times {@code varLong(metric) varLong(hour)
 * signedVarLong(value) signedVarLong(count)}.
 */
public class Executions extends RowWithChildren<Map<Long, long[]>> {
    private static final long serialVersionUID = 2L;
    /** The name of the state of this join's own rows. */
    private static final String STATE = "execution";

    public Executions() {
        this(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT, DEFAULT_KEYS_PER_SLICE);
    }

    /** @param keysPerSlice keys a TRUNCATE's walk visits between records */
    public Executions(Duration deletedRowHorizon, RetentionPolicy retention, int keysPerSlice) {
        super(RowKind.WORKFLOW_EXECUTION, STATE, deletedRowHorizon, retention, keysPerSlice);
    }

    public static String key(String executionId) {
        return RowKeys.of(RowImages.EXECUTION_SPACE, executionId);
    }

    private static long slot(long metric, long hour) {
        return (metric << 40) | hour;
    }

    @Override
    Map<Long, long[]> noChildren() {
        return new TreeMap<>();
    }

    @Override
    boolean isEmpty(Map<Long, long[]> children) {
        return children.isEmpty();
    }

    @Override
    Map<Long, long[]> readChildren(StateBytes.Reader r) {
        Map<Long, long[]> m = new TreeMap<>();
        long n = r.varLong();
        for (long i = 0; i < n; i++) {
            long metric = r.varLong();
            long hour = r.varLong();
            m.put(slot(metric, hour), new long[] {r.signedVarLong(), r.signedVarLong()});
        }
        return m;
    }

    @Override
    void writeChildren(Map<Long, long[]> children, StateBytes.Writer w) {
        w.varLong(children.size());
        for (Map.Entry<Long, long[]> e : children.entrySet()) {
            w.varLong(e.getKey() >>> 40).varLong(e.getKey() & ((1L << 40) - 1))
                    .signedVarLong(e.getValue()[0]).signedVarLong(e.getValue()[1]);
        }
    }

    @Override
    void emit(SourceRow execution, Map<Long, long[]> children, int weight, long sourceTsMs,
            Collector<Contribution> out) {
        long hour = RowImages.hourOf(execution.eventTime);
        if (execution.parentId != null) {
            String workflow = Attribution.workflowKey(execution.parentId);
            out.collect(new Contribution(workflow, Metric.PROMPT_EXECUTIONS.code(), hour, weight, weight, sourceTsMs));
            for (Map.Entry<Long, long[]> e : children.entrySet()) {
                out.collect(new Contribution(workflow, (int) (e.getKey() >>> 40), e.getKey() & ((1L << 40) - 1),
                        e.getValue()[0] * weight, e.getValue()[1] * weight, sourceTsMs));
            }
        }
        if (execution.pipelineId != null) {
            out.collect(new Contribution(Attribution.pipelineKey(execution.pipelineId),
                    Contribution.EXECUTION_OF_PIPELINE, hour, weight, weight, sourceTsMs));
        }
    }

    @Override
    Map<Long, long[]> addChild(SourceRow execution, Map<Long, long[]> children, Contribution child,
            Collector<Contribution> out) {
        if (execution != null && execution.parentId != null) {
            Contribution routed = child.scaled(1);
            routed.target = Attribution.workflowKey(execution.parentId);
            out.collect(routed);
        }
        long slot = slot(child.metric, child.hour);
        long[] sum = children.computeIfAbsent(slot, s -> new long[2]);
        sum[0] += child.value;
        sum[1] += child.count;
        if (sum[0] == 0 && sum[1] == 0) {
            children.remove(slot);
        }
        return children;
    }
}
