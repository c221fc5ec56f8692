package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.wire.ChangeMessageSerializer;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One message of the change stream as the source delivered it: the Debezium JSON value and where
 * the source read it ({@code topic/partition@offset} on Kafka; null for the direct source, whose
 * events carry their WAL position inside). The position is what a dead letter points back to.
 */
@TypeInfo(ChangeMessageSerializer.Factory.class)
public class ChangeMessage {
    public String value;
    public String position;
    /** The row change, when the source decoded it already (then {@link #value} is null). */
    public RowChange decoded;

    public ChangeMessage() {}

    public ChangeMessage(String value, String position) {
        this.value = value;
        this.position = position;
    }

    /** A change the source decoded itself. */
    public static ChangeMessage decoded(RowChange change) {
        ChangeMessage m = new ChangeMessage();
        m.decoded = change;
        return m;
    }

    /** The position of a Kafka record: {@code topic/partition@offset}. */
    public static String kafkaPosition(String topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }

    /** The partition ({@code topic/partition}) of a {@link #kafkaPosition}. */
    public static String partitionOf(String kafkaPosition) {
        return kafkaPosition.substring(0, kafkaPosition.lastIndexOf('@'));
    }

    /** The offset of a {@link #kafkaPosition}. */
    public static long offsetOf(String kafkaPosition) {
        return Long.parseLong(kafkaPosition.substring(kafkaPosition.lastIndexOf('@') + 1));
    }

    /** A message without a position of the source's own. */
    public static ChangeMessage of(String value) {
        return new ChangeMessage(value, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeMessage m && Objects.equals(value, m.value) && Objects.equals(position, m.position)
                && Objects.equals(String.valueOf(decoded), String.valueOf(m.decoded));
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, position);
    }

    @Override
    public String toString() {
        return decoded != null ? decoded.toString() : (position == null ? "" : position + " ") + value;
    }
}
