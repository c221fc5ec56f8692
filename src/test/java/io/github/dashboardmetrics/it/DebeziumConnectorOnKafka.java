package io.github.dashboardmetrics.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Debezium PostgreSQL connector feeding Kafka the way a Kafka Connect worker runs it, inside
 * the test JVM: Debezium's engine runs the real connector with the JSON converter Kafka Connect
 * uses (configured by the connector's {@code key.converter.*} / {@code value.converter.*}), and
 * each converted record is written with a Kafka producer to the topic Debezium names, which is
 * created first with the connector's {@code topic.creation.default.*} settings. Like a worker,
 * it commits the records' source offsets only once the broker has acknowledged them, and only
 * a committed offset lets Debezium confirm the WAL position to the replication slot.
 *
 * <p>The engine is Debezium 1.9.8, the version Flink CDC brings (two Debezium versions cannot
 * share the class path); the shipped configuration is written for Debezium 2.x, whose
 * {@code topic.prefix} is called {@code database.server.name} in 1.9: that one name is mapped.
 */
final class DebeziumConnectorOnKafka implements AutoCloseable {
    static final Path SHIPPED_CONFIG = Path.of("deploy", "kafka-connect", "dashboard-metrics-connector.json");
    private static final String TOPIC_CREATION = "topic.creation.default.";

    private final Map<String, String> config;
    private final KafkaProducer<String, String> producer;
    private final Admin admin;
    private final Set<String> createdTopics = new HashSet<>();
    private final AtomicLong written = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-connector"));
    private final DebeziumEngine<ChangeEvent<String, String>> engine;
    private volatile boolean holdingOffsets;

    /** The {@code config} object of the shipped connector configuration. */
    static Map<String, String> shippedConfig() throws IOException {
        JsonNode config = new ObjectMapper().readTree(SHIPPED_CONFIG.toFile()).get("config");
        Map<String, String> values = new HashMap<>();
        config.fields().forEachRemaining(field -> values.put(field.getKey(), field.getValue().asText()));
        return values;
    }

    /**
     * Starts the connector with {@code config} (a Kafka Connect connector configuration), writing
     * to the broker at {@code bootstrap}; its source offsets are kept in {@code offsetsFile}, so a
     * connector started again with the same file resumes where this one last committed.
     */
    static DebeziumConnectorOnKafka start(String name, Map<String, String> config, String bootstrap, Path offsetsFile) {
        return new DebeziumConnectorOnKafka(name, config, bootstrap, offsetsFile);
    }

    private DebeziumConnectorOnKafka(String name, Map<String, String> config, String bootstrap, Path offsetsFile) {
        this.config = Map.copyOf(config);
        Properties producerProps = new Properties();
        producerProps.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
        Properties adminProps = new Properties();
        adminProps.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(adminProps);

        Properties engineProps = new Properties();
        engineProps.putAll(config);
        engineProps.setProperty("name", name);
        engineProps.setProperty("database.server.name", config.get("topic.prefix"));
        engineProps.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        engineProps.setProperty("offset.storage.file.filename", offsetsFile.toString());
        engineProps.setProperty("offset.flush.interval.ms", "500");
        this.engine = DebeziumEngine.create(Json.class)
                .using(engineProps)
                .notifying(this::writeBatch)
                .using((success, message, error) -> {
                    if (!success) {
                        failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                    }
                })
                .build();
        thread.submit(engine);
    }

    private void writeBatch(List<ChangeEvent<String, String>> records,
            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (ChangeEvent<String, String> record : records) {
            createTopicOnce(record.destination());
            acks.add(producer.send(new ProducerRecord<>(record.destination(), record.key(), record.value())));
        }
        try {
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused a record", e.getCause());
        }
        written.addAndGet(records.size());
        if (holdingOffsets) {
            return; // written, never committed: what a worker that crashes now leaves behind
        }
        for (ChangeEvent<String, String> record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();
    }

    /** Kafka Connect's topic creation: partitions, replication and topic configs from the connector. */
    private void createTopicOnce(String topic) throws InterruptedException {
        if (createdTopics.contains(topic)) {
            return;
        }
        Map<String, String> topicConfigs = new HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(TOPIC_CREATION)) {
                topicConfigs.put(key.substring(TOPIC_CREATION.length()), value);
            }
        });
        int partitions = Integer.parseInt(topicConfigs.remove("partitions"));
        short replication = Short.parseShort(topicConfigs.remove("replication.factor"));
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, replication).configs(topicConfigs))).all().get();
            // A write to a partition whose leader is not known yet is retried, and the idempotent
            // producer of kafka-clients 3.4 can then wedge on its sequence numbers: wait.
            Await.until("leaders for the partitions of " + topic, Duration.ofSeconds(30),
                    () -> leadersKnown(topic), known -> known);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic, e.getCause());
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("topic " + topic + " has no leader", e);
        }
        createdTopics.add(topic);
    }

    private boolean leadersKnown(String topic) throws InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .allMatch(partition -> partition.leader() != null);
        } catch (ExecutionException notYetKnownToTheBroker) {
            return false;
        }
    }

    /** Records written to Kafka (acknowledged by the broker) so far; fails if the connector stopped on an error. */
    long recordsWritten() {
        Throwable error = failure.get();
        if (error != null) {
            throw new IllegalStateException("the Debezium connector failed", error);
        }
        return written.get();
    }

    /**
     * From now on records are still written to Kafka but their offsets are never committed: after
     * {@link #close()}, a connector started again with the same offsets file emits them again.
     */
    void holdOffsets() {
        holdingOffsets = true;
    }

    @Override
    public void close() throws Exception {
        try {
            engine.close();
            thread.shutdown();
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Debezium engine did not stop within 60 s");
            }
        } finally {
            producer.close();
            admin.close();
        }
    }
}
