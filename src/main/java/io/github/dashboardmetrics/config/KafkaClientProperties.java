package io.github.dashboardmetrics.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The file of {@code --kafka-properties}: Kafka consumer settings passed through unchanged
 * (SASL, TLS, timeouts, and the Flink Kafka source's own {@code partition.discovery.interval.ms},
 * {@code client.id.prefix}, {@code commit.offsets.on.checkpoint}). It is read and checked before
 * anything starts, so a typo fails with one message instead of a job that restarts forever.
 */
public final class KafkaClientProperties {
    /** Settings the job derives from its own options; the file must not contradict them. */
    private static final Map<String, String> SET_BY_THE_JOB = new LinkedHashMap<>();

    static {
        SET_BY_THE_JOB.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "--kafka-bootstrap");
        SET_BY_THE_JOB.put(ConsumerConfig.GROUP_ID_CONFIG, "--kafka-group");
        SET_BY_THE_JOB.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "--startup (initial reads the topics from their beginning, latest from their end)");
        SET_BY_THE_JOB.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "the job (its offsets live in its checkpoints)");
        SET_BY_THE_JOB.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "the job");
        SET_BY_THE_JOB.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "the job");
    }

    /** The Flink Kafka source's own settings that take a number of milliseconds. */
    static final String PARTITION_DISCOVERY_INTERVAL_MS = "partition.discovery.interval.ms";

    private KafkaClientProperties() {}

    /** Reads and checks the file; no file (null) means no extra settings. */
    public static Properties load(Path file) {
        Properties properties = new Properties();
        if (file == null) {
            return properties;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--kafka-properties " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException("--kafka-properties " + file + ": cannot read it (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            // Properties.load: a malformed unicode escape
            throw new IllegalArgumentException("--kafka-properties " + file + ": not a properties file (" + e.getMessage() + ")");
        }
        return check(properties, "--kafka-properties " + file);
    }

    /**
     * Rejects settings the job makes itself and values Kafka would reject (by letting the Kafka
     * client parse them); {@code origin} names where they came from in the messages.
     */
    public static Properties check(Properties properties, String origin) {
        for (Map.Entry<String, String> owned : SET_BY_THE_JOB.entrySet()) {
            if (properties.containsKey(owned.getKey())) {
                throw new IllegalArgumentException(origin + ": " + owned.getKey() + " is set by " + owned.getValue()
                        + "; remove it from the file");
            }
        }
        String discovery = properties.getProperty(PARTITION_DISCOVERY_INTERVAL_MS);
        if (discovery != null) {
            try {
                Long.parseLong(discovery.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(origin + ": " + PARTITION_DISCOVERY_INTERVAL_MS
                        + " must be a number of milliseconds, got: " + discovery);
            }
        }
        Properties parsed = new Properties();
        parsed.putAll(properties);
        parsed.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        parsed.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        parsed.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try {
            new ConsumerConfig(parsed);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage());
        }
        return properties;
    }
}
