package io.github.dashboardmetrics.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The values of Debezium's Kafka records as JSON text with their topic, partition and offset, for
 * the same decoder the direct source feeds (it skips heartbeats and anything that is not a row change).
 *
 * <p>A tombstone (null value, written by Debezium after each delete so that compaction can drop
 * the key) becomes the delete it stands for: {@code {"op":"d","before":<key>,"source":{"table":..}}},
 * without a WAL position. Right after its delete event it changes nothing. It matters on a
 * compacted topic, where the log cleaner may have removed the delete event together with the
 * row's earlier images while the job was down or still reading: the tombstone is then all that
 * tells the job the row is gone. Primary keys are never reused (uuids and sequence ids), so a
 * tombstone delivered again cannot delete a later row with the same key.
 */
public final class DebeziumValues implements KafkaRecordDeserializationSchema<ChangeMessage> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ChangeMessage> out) {
        String position = ChangeMessage.kafkaPosition(record.topic(), record.partition(), record.offset());
        if (record.value() != null) {
            out.collect(new ChangeMessage(new String(record.value(), StandardCharsets.UTF_8), position));
            return;
        }
        String delete = deleteOfTombstone(record.topic(), record.key());
        if (delete != null) {
            out.collect(new ChangeMessage(delete, position));
        }
    }

    /** The delete envelope a tombstone stands for, or null when its key is not a JSON object. */
    static String deleteOfTombstone(String topic, byte[] key) {
        if (key == null) {
            return null;
        }
        JsonNode keyNode;
        try {
            keyNode = JSON.readTree(key);
        } catch (IOException e) {
            return null;
        }
        if (keyNode != null && keyNode.has("schema") && keyNode.has("payload")) {
            keyNode = keyNode.get("payload"); // JsonConverter with schemas.enable=true
        }
        if (keyNode == null || !keyNode.isObject()) {
            return null;
        }
        ObjectNode delete = JSON.createObjectNode();
        delete.put("op", "d");
        delete.set("before", keyNode);
        // Topics are <prefix>.<schema>.<table> (see DebeziumTopics); table names have no dots.
        delete.putObject("source").put("table", topic.substring(topic.lastIndexOf('.') + 1));
        return delete.toString();
    }

    @Override
    public TypeInformation<ChangeMessage> getProducedType() {
        return TypeInformation.of(ChangeMessage.class);
    }
}
