package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.config.KafkaClientProperties;
import io.github.dashboardmetrics.config.KafkaSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code run}'s choice of change source: the job's own replication slot ({@code postgres}, the
 * default) or the topics of a Debezium connector on Kafka Connect ({@code kafka}).
 */
public class KafkaOptions {
    @Option(names = "--source", defaultValue = "postgres", paramLabel = "postgres|kafka",
            description = {"Where the change events come from: postgres = a replication slot of the job's own "
                    + "(Flink CDC); kafka = the topics of a Debezium connector on Kafka Connect "
                    + "(see deploy/kafka-connect/). Default: ${DEFAULT-VALUE}."})
    String source;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers (--source kafka).")
    String bootstrap;

    @Option(names = "--topic-prefix", defaultValue = KafkaSettings.DEFAULT_TOPIC_PREFIX, paramLabel = "PREFIX",
            description = "The connector's topic.prefix: topics are PREFIX.<db-schema>.<table>. Default: ${DEFAULT-VALUE}.")
    String topicPrefix;

    @Option(names = "--kafka-group", defaultValue = KafkaSettings.DEFAULT_GROUP_ID, paramLabel = "ID",
            description = "Consumer group the job commits its offsets to on every checkpoint, for lag monitoring "
                    + "(it resumes from its checkpoints, not from these). Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka consumer properties passed through (security.protocol, sasl.*, ssl.*, timeouts, "
                    + "partition.discovery.interval.ms).")
    Path propertiesFile;

    /** {@code base} as it is for {@code --source postgres}, or reading Kafka for {@code --source kafka}. */
    JobConfig applyTo(JobConfig base) {
        switch (source) {
            case "postgres":
                if (bootstrap != null || propertiesFile != null) {
                    throw new IllegalArgumentException("--kafka-bootstrap and --kafka-properties need --source kafka");
                }
                return base;
            case "kafka":
                return base.withKafka(new KafkaSettings(bootstrap, topicPrefix, group,
                        KafkaClientProperties.load(propertiesFile)));
            default:
                throw new IllegalArgumentException("--source must be postgres or kafka, got: " + source);
        }
    }
}
