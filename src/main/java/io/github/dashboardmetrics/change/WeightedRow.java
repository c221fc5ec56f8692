package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.wire.WeightedRowSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A row with a signed multiplicity: +1 adds it to a relation, -1 retracts it. Every stream between
 * the normaliser and the rollup carries these; joins and sums over them are order-independent,
 * which is what makes the result exact whatever the arrival order across tables.
 */
@TypeInfo(WeightedRowSerializer.Factory.class)
public class WeightedRow {
    public SourceRow row;
    public int weight;
    /** Commit time of the source change that caused this delta (epoch millis), for freshness. */
    public long sourceTsMs;

    public WeightedRow() {}

    public WeightedRow(SourceRow row, int weight, long sourceTsMs) {
        this.row = row;
        this.weight = weight;
        this.sourceTsMs = sourceTsMs;
    }

    @Override
    public String toString() {
        return (weight >= 0 ? "+" : "") + weight + " " + row;
    }
}
