package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;

/**
 * Writes {@link StateEntry}s into the keyed state of one operator of the savepoint being built
 * (State Processor API), with the operator's own state descriptors: the same names, types, TTL
 * and serializers as the streaming job registers, so that it restores them as its own (TTL without
 * incremental cleanup while writing: {@link RowState#forBulkLoad}).
 */
final class StateEntryWriter extends KeyedStateBootstrapFunction<String, StateEntry> {
    private static final long serialVersionUID = 1L;

    private final List<? extends StateDescriptor<?, ?>> states;
    private transient Map<String, Writer> writers;

    /** What writes one entry into one state. */
    private interface Writer {
        void write(StateEntry entry) throws Exception;
    }

    /** @param states the operator's keyed states, as it registers them */
    StateEntryWriter(List<? extends StateDescriptor<?, ?>> states) {
        this.states = RowState.forBulkLoad(List.copyOf(states));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void open(Configuration parameters) {
        writers = new HashMap<>();
        DataInputDeserializer in = new DataInputDeserializer();
        for (StateDescriptor<?, ?> d : states) {
            if (d instanceof ValueStateDescriptor<?> vd) {
                ValueStateDescriptor<Object> v = (ValueStateDescriptor<Object>) vd;
                ValueState<Object> state = getRuntimeContext().getState(v);
                TypeSerializer<Object> serializer = v.getSerializer();
                writers.put(d.getName(), e -> state.update(read(serializer, e.value, in)));
            } else if (d instanceof MapStateDescriptor<?, ?> md) {
                MapStateDescriptor<Object, Object> m = (MapStateDescriptor<Object, Object>) md;
                MapState<Object, Object> state = getRuntimeContext().getMapState(m);
                writers.put(d.getName(), e -> state.put(read(m.getKeySerializer(), e.mapKey, in),
                        read(m.getValueSerializer(), e.value, in)));
            } else {
                throw new IllegalArgumentException("state " + d.getName() + " is neither a value nor a map state");
            }
        }
    }

    private static Object read(TypeSerializer<Object> serializer, byte[] bytes, DataInputDeserializer in) throws Exception {
        in.setBuffer(bytes);
        return serializer.deserialize(in);
    }

    @Override
    public void processElement(StateEntry entry, Context ctx) throws Exception {
        Writer writer = writers.get(entry.state);
        if (writer == null) {
            throw new IllegalStateException("an entry of state " + entry.state + ", which this operator does not have");
        }
        writer.write(entry);
    }
}
