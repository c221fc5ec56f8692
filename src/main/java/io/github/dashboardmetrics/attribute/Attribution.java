package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The joins that resolve an organisation, keyed by what names it: a workflow id (its executions'
 * prompt_executions and their files' documents_processed and failed_pages), a pipeline or API
 * deployment id (etl_pipeline_executions, deployed_api_requests), an organization_id string
 * (pages_processed of page_usage). Per key it holds the dimension rows with that key (normally
 * one: workflow, ETL pipeline, API deployment or organization, each with its organisation) and
 * what the facts add up to per (metric, hour), never the facts themselves. A fact's change is
 * attributed to every dimension row; a dimension row's change retracts or adds everything the key
 * holds: exact in any arrival order (a bilinear join of +1/-1 relations, summed).
 *
 * <p>State: {@code dimensions} = format, {@code varLong(n)}, n times {@code byte(table code)
 * varLong(org id) signedVarLong(multiplicity)}; {@code sums}: map from {@code metric << 40 | hour}
 * to {@code signedVarLong(value) signedVarLong(count)}.
 */
public class Attribution extends KeyedProcessFunction<String, JoinInput, MetricDelta> {
    private static final long serialVersionUID = 1L;
    private static final long HOUR_MS = 3_600_000L;
    /** Key space of organization_id strings (organization rows are keyed by their id elsewhere). */
    static final int ORGANIZATION_STRING_SPACE = 10;

    private final RetentionPolicy retention;
    private transient ValueState<byte[]> dimensions;
    private transient MapState<Long, byte[]> sums;

    public Attribution() {
        this(RetentionPolicy.DEFAULT);
    }

    /** @param retention sums of hours past every tier's retention leave the state ({@link RowState#expiringWithRetention}) */
    public Attribution(RetentionPolicy retention) {
        this.retention = retention;
    }

    public static String workflowKey(String workflowId) {
        return RowKeys.of(RowKind.WORKFLOW.code(), workflowId);
    }

    /** pipeline_id names a pipeline or an API deployment: both are dimensions of the same key. */
    public static String pipelineKey(String pipelineOrDeploymentId) {
        return RowKeys.of(RowKind.PIPELINE.code(), pipelineOrDeploymentId);
    }

    public static String organizationStringKey(String organizationId) {
        return RowKeys.of(ORGANIZATION_STRING_SPACE, organizationId);
    }

    /** The key of a dimension row: where the facts that name it are summed. */
    public static String dimensionKey(SourceRow dimension) {
        switch (dimension.kind) {
            case WORKFLOW:
                return workflowKey(dimension.id);
            case PIPELINE:
            case API_DEPLOYMENT:
                return pipelineKey(dimension.id);
            case ORGANIZATION:
                return organizationStringKey(dimension.orgKey);
            default:
                throw new IllegalArgumentException(dimension.kind + " is not a dimension");
        }
    }

    @Override
    public void open(Configuration parameters) {
        ValueStateDescriptor<byte[]> dimensionsState = dimensionsState();
        MapStateDescriptor<Long, byte[]> sumsState = sumsState(retention);
        dimensions = getRuntimeContext().getState(dimensionsState);
        sums = getRuntimeContext().getMapState(sumsState);
    }

    private static ValueStateDescriptor<byte[]> dimensionsState() {
        return RowState.rows("dimensions");
    }

    private static MapStateDescriptor<Long, byte[]> sumsState(RetentionPolicy retention) {
        return RowState.expiringWithRetention(new MapStateDescriptor<>("sums", Types.LONG,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO), retention);
    }

    /** A dimension row with its multiplicity. */
    private record Dimension(int table, long orgId, long multiplicity) {}

    @Override
    public void processElement(JoinInput in, Context ctx, Collector<MetricDelta> out) throws Exception {
        if (in.contribution != null) {
            Contribution c = in.contribution;
            for (Dimension d : readDimensions()) {
                emit(d, c.metric, c.hour, c.value * d.multiplicity, c.count * d.multiplicity, c.sourceTsMs, out);
            }
            add(c.metric, c.hour, c.value, c.count);
        } else {
            SourceRow row = in.dimension;
            if (row.orgId == null) {
                return; // resolves no organisation: contributes nothing either way
            }
            Dimension delta = new Dimension(row.kind.code(), row.orgId, in.weight);
            for (Map.Entry<Long, byte[]> e : sums.entries()) {
                StateBytes.Reader r = new StateBytes.Reader(e.getValue());
                long value = r.signedVarLong();
                long count = r.signedVarLong();
                emit(delta, (int) (e.getKey() >>> 40), e.getKey() & ((1L << 40) - 1), value * in.weight,
                        count * in.weight, in.sourceTsMs, out);
            }
            addDimension(delta);
        }
    }

    /** A fact sum attributed to one dimension row's organisation, as the metric that pair counts in. */
    private static void emit(Dimension d, int metric, long hour, long value, long count, long sourceTsMs,
            Collector<MetricDelta> out) {
        Metric m;
        if (metric == Contribution.EXECUTION_OF_PIPELINE) {
            m = d.table == RowKind.API_DEPLOYMENT.code() ? Metric.DEPLOYED_API_REQUESTS : Metric.ETL_PIPELINE_EXECUTIONS;
        } else {
            m = Metric.ofCode(metric);
        }
        if (value != 0 || count != 0) {
            out.collect(new MetricDelta(d.orgId, m, hour * HOUR_MS, value, count, sourceTsMs));
        }
    }

    private void add(int metric, long hour, long value, long count) throws Exception {
        long slot = ((long) metric << 40) | hour;
        byte[] stored = sums.get(slot);
        if (stored != null) {
            StateBytes.Reader r = new StateBytes.Reader(stored);
            value += r.signedVarLong();
            count += r.signedVarLong();
        }
        if (value == 0 && count == 0) {
            sums.remove(slot);
        } else {
            sums.put(slot, new StateBytes.Writer().signedVarLong(value).signedVarLong(count).toBytes());
        }
    }

    private List<Dimension> readDimensions() throws Exception {
        List<Dimension> list = new ArrayList<>(1);
        byte[] stored = dimensions.value();
        if (stored != null) {
            StateBytes.Reader r = RowState.reader(stored);
            long n = r.varLong();
            for (long i = 0; i < n; i++) {
                list.add(new Dimension(r.byteValue(), r.varLong(), r.signedVarLong()));
            }
        }
        return list;
    }

    private void addDimension(Dimension delta) throws Exception {
        List<Dimension> list = readDimensions();
        boolean merged = false;
        for (int i = 0; i < list.size(); i++) {
            Dimension d = list.get(i);
            if (d.table == delta.table && d.orgId == delta.orgId) {
                long m = d.multiplicity + delta.multiplicity;
                if (m == 0) {
                    list.remove(i);
                } else {
                    list.set(i, new Dimension(d.table, d.orgId, m));
                }
                merged = true;
                break;
            }
        }
        if (!merged) {
            list.add(delta);
        }
        if (list.isEmpty()) {
            dimensions.clear();
            return;
        }
        StateBytes.Writer w = new StateBytes.Writer().byteValue(RowState.FORMAT).varLong(list.size());
        for (Dimension d : list) {
            w.byteValue(d.table).varLong(d.orgId).signedVarLong(d.multiplicity);
        }
        dimensions.update(w.toBytes());
    }
}
