package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.wire.JoinInputSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What a keyed join receives, routed by {@link #key}: a change of the join's own row (file and
 * execution joins normalise their own rows), a dimension row with its weight, or a contribution
 * from a child. Exactly one of {@link #change}, {@link #dimension} and {@link #contribution} is set.
 */
@TypeInfo(JoinInputSerializer.Factory.class)
public class JoinInput {
    public String key;
    public RowChange change;
    public SourceRow dimension;
    public int weight;
    /** The dimension change's source commit time (epoch millis). */
    public long sourceTsMs;
    public Contribution contribution;

    public JoinInput() {}

    public static JoinInput ofChange(String key, RowChange change) {
        JoinInput in = new JoinInput();
        in.key = key;
        in.change = change;
        return in;
    }

    public static JoinInput ofDimension(String key, SourceRow dimension, int weight, long sourceTsMs) {
        JoinInput in = new JoinInput();
        in.key = key;
        in.dimension = dimension;
        in.weight = weight;
        in.sourceTsMs = sourceTsMs;
        return in;
    }

    public static JoinInput ofContribution(Contribution c) {
        JoinInput in = new JoinInput();
        in.key = c.target;
        in.contribution = c;
        return in;
    }

    public String key() {
        return key;
    }
}
