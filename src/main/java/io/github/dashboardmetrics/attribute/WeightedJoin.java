package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.change.WeightedRow;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A keyed equi-join of two weighted relations, kept incrementally: per join key it holds both
 * sides as multisets (row -> multiplicity) and, for each delta on one side, emits the joined rows
 * with the other side's current contents, scaled by both weights. This is what a SQL regular join
 * does, written out: because it is bilinear, the joined output summed over time equals the join
 * of the inputs as they stand, in whatever order deltas arrive, including facts before their
 * dimension and dimensions that change or disappear (a -old/+new pair retracts everything
 * attributed through the old value and re-attributes it through the new one).
 *
 * <p>Input 1 is the dimension side, input 2 the fact side; both must be keyed by the join key.
 */
public class WeightedJoin extends KeyedCoProcessFunction<String, WeightedRow, WeightedRow, WeightedRow> {
    private static final long serialVersionUID = 1L;

    private final JoinRule rule;
    private transient MapState<SourceRow, Integer> dimensions;
    private transient MapState<SourceRow, Integer> facts;

    public WeightedJoin(JoinRule rule) {
        this.rule = rule;
    }

    @Override
    public void open(Configuration parameters) {
        TypeInformation<SourceRow> rowType = TypeInformation.of(SourceRow.class);
        dimensions = getRuntimeContext().getMapState(new MapStateDescriptor<>("dimensions", rowType, Types.INT));
        facts = getRuntimeContext().getMapState(new MapStateDescriptor<>("facts", rowType, Types.INT));
    }

    @Override
    public void processElement1(WeightedRow dim, Context ctx, Collector<WeightedRow> out) throws Exception {
        for (Map.Entry<SourceRow, Integer> fact : facts.entries()) {
            emit(rule.join(dim.row, fact.getKey()), dim.weight * fact.getValue(), dim.sourceTsMs, out);
        }
        add(dimensions, dim);
    }

    @Override
    public void processElement2(WeightedRow fact, Context ctx, Collector<WeightedRow> out) throws Exception {
        for (Map.Entry<SourceRow, Integer> dim : dimensions.entries()) {
            emit(rule.join(dim.getKey(), fact.row), fact.weight * dim.getValue(), fact.sourceTsMs, out);
        }
        add(facts, fact);
    }

    private static void emit(SourceRow joined, int weight, long sourceTsMs, Collector<WeightedRow> out) {
        if (joined != null && weight != 0) {
            out.collect(new WeightedRow(joined, weight, sourceTsMs));
        }
    }

    /** Adds a delta to a multiset; an entry whose multiplicity reaches 0 leaves the state. */
    private static void add(MapState<SourceRow, Integer> multiset, WeightedRow delta) throws Exception {
        Integer current = multiset.get(delta.row);
        int updated = (current == null ? 0 : current) + delta.weight;
        if (updated == 0) {
            multiset.remove(delta.row);
        } else {
            multiset.put(delta.row, updated);
        }
    }
}
