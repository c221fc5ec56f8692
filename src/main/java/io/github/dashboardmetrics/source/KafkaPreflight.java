package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks before a {@code --source kafka} job starts that the brokers answer with the given client
 * settings (so wrong addresses and wrong credentials fail fast with one message) and reports
 * which captured tables have no topic yet. A missing topic is not an error: Debezium creates a
 * table's topic with its first event, and the job picks it up when it appears.
 */
public final class KafkaPreflight {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The captured tables' topics that exist and those that do not (yet). */
    public record Result(List<String> present, List<String> missing) {}

    private KafkaPreflight() {}

    public static Result check(KafkaSettings kafka, String schema, Duration timeout) {
        Properties properties = kafka.clientProperties();
        properties.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        Set<String> existing;
        Admin admin = null;
        try {
            admin = Admin.create(properties);
            existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new PreflightException("cannot list the topics of Kafka at " + kafka.bootstrapServers() + " within "
                    + timeout.toSeconds() + " s (" + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                    + "): check --kafka-bootstrap and the security settings in --kafka-properties", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PreflightException("interrupted while checking Kafka at " + kafka.bootstrapServers(), e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new PreflightException("cannot create a Kafka client for " + kafka.bootstrapServers() + ": "
                    + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")")
                    + "; check --kafka-properties", e);
        } finally {
            if (admin != null) {
                admin.close(Duration.ZERO); // without waiting for a request that timed out
            }
        }
        List<String> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String topic : DebeziumTopics.all(kafka.topicPrefix(), schema)) {
            (existing.contains(topic) ? present : missing).add(topic);
        }
        if (present.isEmpty()) {
            LOG.warn("No topic of a captured table exists yet at {} (expected names like {}): the job reads them once "
                    + "the connector creates them. If the connector already runs, compare --topic-prefix and --db-schema "
                    + "with its topic.prefix and table.include.list.", kafka.bootstrapServers(), missing.get(0));
        } else if (!missing.isEmpty()) {
            LOG.info("No topic yet for {} (tables without changes so far, or hitl_queue outside Unstract Cloud); "
                    + "they are read from their beginning once they appear", missing);
        }
        return new Result(present, missing);
    }
}
