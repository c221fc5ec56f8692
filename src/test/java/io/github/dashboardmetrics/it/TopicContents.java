package io.github.dashboardmetrics.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the topics hold, read back with a plain consumer: to check what the job was given. */
final class TopicContents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ConsumerRecord<String, String>> records;

    private TopicContents(List<ConsumerRecord<String, String>> records) {
        this.records = records;
    }

    /** Every record of the topics matching {@code topics}, from their beginning to their current end. */
    static TopicContents read(String bootstrap, Pattern topics) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> topic : consumer.listTopics().entrySet()) {
                if (topics.matcher(topic.getKey()).matches()) {
                    topic.getValue().forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return new TopicContents(records);
    }

    int size() {
        return records.size();
    }

    /** The last offset of each partition ({@code topic/partition}), as the progress row names them. */
    Map<String, Long> lastOffsets() {
        Map<String, Long> last = new TreeMap<>();
        for (ConsumerRecord<String, String> r : records) {
            last.merge(r.topic() + "/" + r.partition(), r.offset(), Math::max);
        }
        return last;
    }

    /** Records with a null value: what Debezium writes after each delete. */
    long tombstones() {
        return records.stream().filter(r -> r.value() == null).count();
    }

    /**
     * Change events that are in the topics more than once: same topic, key, operation and WAL
     * position (with or without the schema wrapper).
     */
    long redelivered() throws Exception {
        Set<String> seen = new HashSet<>();
        long again = 0;
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() == null) {
                continue;
            }
            JsonNode root = JSON.readTree(r.value());
            JsonNode event = root.has("schema") && root.has("payload") ? root.get("payload") : root;
            if (!event.hasNonNull("op")) {
                continue;
            }
            String identity = r.topic() + "|" + r.key() + "|" + event.get("op").asText() + "|"
                    + event.path("source").path("lsn").asText();
            if (!seen.add(identity)) {
                again++;
            }
        }
        return again;
    }

    /** Whether the values carry the schema/payload wrapper (JsonConverter with schemas.enable=true). */
    boolean withSchemas() throws Exception {
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() != null) {
                JsonNode root = JSON.readTree(r.value());
                return root.has("schema") && root.has("payload");
            }
        }
        return false;
    }
}
