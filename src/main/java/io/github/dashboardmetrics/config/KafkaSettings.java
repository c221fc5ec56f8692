package io.github.dashboardmetrics.config;

import java.io.Serializable;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where {@code run --source kafka} reads Debezium's change events: the brokers, the connector's
 * topic prefix (its {@code topic.prefix}; the topics are {@code <prefix>.<schema>.<table>}), the
 * consumer group the job commits its offsets to (for lag monitoring only: the offsets the job
 * resumes from live in its checkpoints), and client properties passed through to the Kafka
 * consumer (security and tuning; see {@link KafkaClientProperties}).
 *
 * <p>{@link #toString()} names the client properties but never shows their values: they may hold
 * credentials ({@code sasl.jaas.config}, key store passwords).
 */
public record KafkaSettings(String bootstrapServers, String topicPrefix, String groupId, Properties clientProperties)
        implements Serializable {

    public static final String DEFAULT_TOPIC_PREFIX = "unstract";
    public static final String DEFAULT_GROUP_ID = "dashboard-metrics";

    /** host:port, host names, IPv4 or bracketed IPv6 addresses. */
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):(\\d{1,5})");
    /** What Kafka allows in topic names. */
    private static final Pattern TOPIC_CHARS = Pattern.compile("[A-Za-z0-9._-]+");

    public KafkaSettings {
        requireServers(bootstrapServers);
        if (topicPrefix == null || !TOPIC_CHARS.matcher(topicPrefix).matches()) {
            throw new IllegalArgumentException("--topic-prefix must be the connector's topic.prefix (letters, digits, "
                    + "'.', '_', '-'), got: " + topicPrefix);
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("--kafka-group must not be empty");
        }
        Properties copy = new Properties();
        copy.putAll(Objects.requireNonNull(clientProperties, "client properties"));
        clientProperties = copy;
    }

    /** With no client properties (a plaintext cluster with default client settings). */
    public static KafkaSettings plain(String bootstrapServers, String topicPrefix, String groupId) {
        return new KafkaSettings(bootstrapServers, topicPrefix, groupId, new Properties());
    }

    private static void requireServers(String servers) {
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("--source kafka needs --kafka-bootstrap HOST:PORT[,HOST:PORT...]");
        }
        for (String server : servers.split(",")) {
            var m = SERVER.matcher(server.trim());
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                throw new IllegalArgumentException("--kafka-bootstrap must be HOST:PORT[,HOST:PORT...], got: " + servers);
            }
        }
    }

    /** The client properties, for a consumer or admin client to copy. */
    @Override
    public Properties clientProperties() {
        Properties copy = new Properties();
        copy.putAll(clientProperties);
        return copy;
    }

    @Override
    public String toString() {
        return "KafkaSettings{bootstrap=" + bootstrapServers + ", topicPrefix=" + topicPrefix + ", group=" + groupId
                + ", clientProperties=" + new TreeSet<>(clientProperties.stringPropertyNames()) + " (values hidden)}";
    }
}
