package io.github.dashboardmetrics.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The least a deserializer can do: read the envelope's {@code op}, count the record, emit one byte.
 * The source ceiling runs in the benchmark's own JVM (a local mini cluster), so the counts are
 * static and read directly by the benchmark; one ceiling runs at a time.
 */
final class CeilingDeserializer implements DebeziumDeserializationSchema<Byte> {
    private static final long serialVersionUID = 1L;
    /** Snapshot reads (op r). */
    static final AtomicLong READS = new AtomicLong();
    /** Inserts, updates and deletes (op c, u, d). */
    static final AtomicLong CHANGES = new AtomicLong();
    /** System.nanoTime of the first change since {@link #reset}, 0 before. */
    static final AtomicLong FIRST_CHANGE_NANOS = new AtomicLong();
    /** System.nanoTime of the latest change. */
    static final AtomicLong LAST_CHANGE_NANOS = new AtomicLong();

    static void reset() {
        READS.set(0);
        CHANGES.set(0);
        FIRST_CHANGE_NANOS.set(0);
        LAST_CHANGE_NANOS.set(0);
    }

    @Override
    public void deserialize(SourceRecord record, Collector<Byte> out) {
        if (!(record.value() instanceof Struct value)) {
            return;
        }
        Field opField = value.schema().field("op");
        if (opField == null) {
            return; // heartbeats and other non-change records
        }
        String op = value.getString("op");
        if (op == null || op.isEmpty()) {
            return;
        }
        char c = op.charAt(0);
        if (c == 'r') {
            READS.incrementAndGet();
        } else if (c == 'c' || c == 'u' || c == 'd') {
            long now = System.nanoTime();
            FIRST_CHANGE_NANOS.compareAndSet(0, now);
            LAST_CHANGE_NANOS.set(now);
            CHANGES.incrementAndGet();
        }
        out.collect((byte) c);
    }

    @Override
    public TypeInformation<Byte> getProducedType() {
        return Types.BYTE;
    }
}
