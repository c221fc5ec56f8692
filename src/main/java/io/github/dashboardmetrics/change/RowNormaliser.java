package io.github.dashboardmetrics.change;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by row (kind and primary key): keeps the last projected image of each row and turns every
 * change into a retraction of the previous image and an addition of the new one. The job never
 * trusts Debezium's before-image (absent under the default REPLICA IDENTITY).
 *
 * <p>Replays are harmless: a change whose WAL position is not after the last one applied to the
 * row is dropped (Debezium redelivers at least once), and a change whose projected image equals
 * the current one (a duplicate, or an update of columns no metric reads) emits nothing.
 */
public class RowNormaliser extends KeyedProcessFunction<String, RowChange, WeightedRow> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<SourceRow> current;
    private transient ValueState<Long> lastLsn;

    @Override
    public void open(Configuration parameters) {
        current = getRuntimeContext().getState(new ValueStateDescriptor<>("current", TypeInformation.of(SourceRow.class)));
        lastLsn = getRuntimeContext().getState(new ValueStateDescriptor<>("last-lsn", Types.LONG));
    }

    @Override
    public void processElement(RowChange change, Context ctx, Collector<WeightedRow> out) throws Exception {
        if (change.lsn >= 0) {
            Long last = lastLsn.value();
            if (last != null && change.lsn <= last) {
                return; // already applied: a redelivered or stale event
            }
            lastLsn.update(change.lsn);
        }
        SourceRow previous = current.value();
        SourceRow next = change.op == 'd' ? null : change.after;
        if (previous == null ? next == null : previous.equals(next)) {
            return;
        }
        if (previous != null) {
            out.collect(new WeightedRow(previous, -1, change.sourceTsMs));
        }
        if (next != null) {
            out.collect(new WeightedRow(next, +1, change.sourceTsMs));
            current.update(next);
        } else {
            current.clear();
        }
    }
}
