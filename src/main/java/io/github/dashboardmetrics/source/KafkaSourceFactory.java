package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.KafkaSettings;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

/**
 * The Flink Kafka source over Debezium's topics of the captured tables (see
 * {@link DebeziumTopics#pattern}). Its offsets are part of the job's checkpoints, so a resumed job
 * continues exactly where its restored state ends; they are also committed to the consumer group
 * on every checkpoint, only so that the usual tools can show the job's lag.
 *
 * <p>Without a checkpoint the job has no state, so it must see every row: {@code initial} reads
 * the topics from their beginning (the connector's snapshot and every change since), never from
 * the group's committed offsets, which would silently skip rows. {@code latest} starts at their
 * end. Topics that appear later are read from their beginning either way.
 */
public final class KafkaSourceFactory {
    /** How often new topics (a table's first change) are looked for, unless the properties say otherwise. */
    static final Duration DEFAULT_DISCOVERY_INTERVAL = Duration.ofSeconds(30);

    private KafkaSourceFactory() {}

    public static KafkaSource<ChangeMessage> create(KafkaSettings kafka, String schema, Startup startup) {
        Properties properties = kafka.clientProperties();
        properties.putIfAbsent("partition.discovery.interval.ms", Long.toString(DEFAULT_DISCOVERY_INTERVAL.toMillis()));
        return KafkaSource.<ChangeMessage>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setGroupId(kafka.groupId())
                .setTopicPattern(DebeziumTopics.pattern(kafka.topicPrefix(), schema))
                .setStartingOffsets(startingOffsets(startup))
                .setDeserializer(new DebeziumValues())
                .setProperties(properties)
                .build();
    }

    static OffsetsInitializer startingOffsets(Startup startup) {
        switch (startup) {
            case INITIAL:
                return OffsetsInitializer.earliest();
            case LATEST:
                return OffsetsInitializer.latest();
            default:
                throw new IllegalArgumentException("--source kafka supports --startup initial or latest, not " + startup);
        }
    }
}
