package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.state.ProcessingTimer;
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
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes {@link StateEntry}s into the keyed state of one operator of the savepoint being built
 * (State Processor API), with the operator's own state descriptors: the same names, types, TTL
 * and serializers as the streaming job registers, so that it restores them as its own (TTL without
 * incremental cleanup while writing: {@link RowState#forBulkLoad}). A value that is also the time of
 * a processing-time timer ({@link ProcessingTimer}) is written with its timer, in the timer
 * service of the operator's name. The State Processor API runs it inside its wrapper, which
 * snapshots it into the savepoint at the end of the input and never fires its timers.
 */
final class StateEntryWriter extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<StateEntry, Void>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 2L;

    private final List<? extends StateDescriptor<?, ?>> states;
    private final List<ProcessingTimer> timers;
    private transient Map<String, Writer> writers;
    private transient Map<String, InternalTimerService<VoidNamespace>> timerOfState;

    /** What writes one entry into one state; returns the value written. */
    private interface Writer {
        Object write(StateEntry entry) throws Exception;
    }

    /**
     * @param states the operator's keyed states, as it registers them
     * @param timers the timers whose times some of those (value) states hold
     */
    StateEntryWriter(List<? extends StateDescriptor<?, ?>> states, List<ProcessingTimer> timers) {
        this.states = RowState.forBulkLoad(List.copyOf(states));
        this.timers = List.copyOf(timers);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void open() throws Exception {
        super.open();
        writers = new HashMap<>();
        DataInputDeserializer in = new DataInputDeserializer();
        for (StateDescriptor<?, ?> d : states) {
            if (d instanceof ValueStateDescriptor<?> vd) {
                ValueStateDescriptor<Object> v = (ValueStateDescriptor<Object>) vd;
                ValueState<Object> state = getKeyedStateStore().getState(v);
                TypeSerializer<Object> serializer = v.getSerializer();
                writers.put(d.getName(), e -> {
                    Object value = read(serializer, e.value, in);
                    state.update(value);
                    return value;
                });
            } else if (d instanceof MapStateDescriptor<?, ?> md) {
                MapStateDescriptor<Object, Object> m = (MapStateDescriptor<Object, Object>) md;
                MapState<Object, Object> state = getKeyedStateStore().getMapState(m);
                writers.put(d.getName(), e -> {
                    Object value = read(m.getValueSerializer(), e.value, in);
                    state.put(read(m.getKeySerializer(), e.mapKey, in), value);
                    return value;
                });
            } else {
                throw new IllegalArgumentException("state " + d.getName() + " is neither a value nor a map state");
            }
        }
        timerOfState = new HashMap<>();
        for (ProcessingTimer t : timers) {
            if (!writers.containsKey(t.valueState())) {
                throw new IllegalArgumentException("timer " + t.timerService() + " keeps its time in state "
                        + t.valueState() + ", which this operator does not have");
            }
            timerOfState.put(t.valueState(), getInternalTimerService(t.timerService(), VoidNamespaceSerializer.INSTANCE, this));
        }
    }

    private static Object read(TypeSerializer<Object> serializer, byte[] bytes, DataInputDeserializer in) throws Exception {
        in.setBuffer(bytes);
        return serializer.deserialize(in);
    }

    @Override
    public void processElement(StreamRecord<StateEntry> element) throws Exception {
        StateEntry entry = element.getValue();
        Writer writer = writers.get(entry.state);
        if (writer == null) {
            throw new IllegalStateException("an entry of state " + entry.state + ", which this operator does not have");
        }
        Object value = writer.write(entry);
        InternalTimerService<VoidNamespace> timer = timerOfState.get(entry.state);
        if (timer != null) {
            timer.registerProcessingTimeTimer(VoidNamespace.INSTANCE, (Long) value);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // never fired while the savepoint is written; the streaming job fires it
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // no event-time timers
    }
}
