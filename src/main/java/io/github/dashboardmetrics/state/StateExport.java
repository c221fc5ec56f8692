package io.github.dashboardmetrics.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.util.OutputTag;

/**
 * Reads out the whole keyed state of an operator as {@link StateEntry}s: what a bootstrap does at
 * the end of its bounded input, so that the State Processor API can write the same state into a
 * savepoint for the streaming job. Only value and map states, the kinds this job keeps.
 */
public final class StateExport {
    /** Side output of an operator that exports its state at the end of its input. */
    public static final OutputTag<StateEntry> ENTRIES = new OutputTag<>("state-entries", TypeInformation.of(StateEntry.class));

    private StateExport() {}

    /**
     * Every entry of {@code states} (as the operator registered them, serializers set) in
     * {@code backend}, to {@code out}. Moves the backend's current key.
     *
     * @return the entries exported
     */
    @SuppressWarnings("unchecked")
    public static long emit(KeyedStateBackend<String> backend, List<? extends StateDescriptor<?, ?>> states, Consumer<StateEntry> out)
            throws Exception {
        long entries = 0;
        DataOutputSerializer buffer = new DataOutputSerializer(256);
        for (StateDescriptor<?, ?> d : states) {
            String name = d.getName();
            if (d instanceof ValueStateDescriptor<?> vd) {
                ValueStateDescriptor<Object> v = (ValueStateDescriptor<Object>) vd;
                ValueState<Object> state = backend.getPartitionedState(VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE, v);
                TypeSerializer<Object> serializer = v.getSerializer();
                for (String key : (Iterable<String>) backend.getKeys(name, VoidNamespace.INSTANCE)::iterator) {
                    backend.setCurrentKey(key);
                    Object value = state.value();
                    if (value != null) {
                        out.accept(new StateEntry(name, key, null, bytes(serializer, value, buffer)));
                        entries++;
                    }
                }
            } else if (d instanceof MapStateDescriptor<?, ?> md) {
                MapStateDescriptor<Object, Object> m = (MapStateDescriptor<Object, Object>) md;
                MapState<Object, Object> state = backend.getPartitionedState(VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE, m);
                // Once per state: each call duplicates the descriptor's serializer.
                TypeSerializer<Object> keySerializer = m.getKeySerializer();
                TypeSerializer<Object> valueSerializer = m.getValueSerializer();
                for (String key : (Iterable<String>) backend.getKeys(name, VoidNamespace.INSTANCE)::iterator) {
                    backend.setCurrentKey(key);
                    for (Map.Entry<Object, Object> e : state.entries()) {
                        out.accept(new StateEntry(name, key, bytes(keySerializer, e.getKey(), buffer),
                                bytes(valueSerializer, e.getValue(), buffer)));
                        entries++;
                    }
                }
            } else {
                throw new IllegalArgumentException("state " + name + " is neither a value nor a map state");
            }
        }
        return entries;
    }

    private static byte[] bytes(TypeSerializer<Object> serializer, Object value, DataOutputSerializer buffer) {
        buffer.clear();
        try {
            serializer.serialize(value, buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.getCopyOfBuffer();
    }
}
