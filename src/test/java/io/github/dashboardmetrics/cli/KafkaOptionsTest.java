package io.github.dashboardmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KafkaOptionsTest {
    private static JobConfig config(String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        return run.config();
    }

    private static String[] withDb(String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "--db-url";
        all[1] = "jdbc:postgresql://db:5432/unstract";
        all[2] = "--db-user";
        all[3] = "metrics";
        all[4] = "--db-password-file";
        all[5] = TestPasswordFile.path();
        System.arraycopy(args, 0, all, 6, args.length);
        return all;
    }

    @Test
    void postgresIsTheDefaultSource() {
        assertThat(config(withDb()).readsKafka()).isFalse();
    }

    @Test
    void kafkaSourceWithDefaults() {
        JobConfig config = config(withDb("--source", "kafka", "--kafka-bootstrap", "kafka:9092"));
        assertThat(config.readsKafka()).isTrue();
        assertThat(config.kafka().topicPrefix()).isEqualTo("unstract");
        assertThat(config.kafka().groupId()).isEqualTo("dashboard-metrics");
        assertThat(config.kafka().clientProperties()).isEmpty();
    }

    @Test
    void kafkaSourceWithEverything(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SSL\n");
        JobConfig config = config(withDb("--source", "kafka", "--kafka-bootstrap", "k1:9092,k2:9092",
                "--topic-prefix", "prod", "--kafka-group", "metrics-prod", "--kafka-properties", file.toString(),
                "--startup", "latest"));
        assertThat(config.kafka().bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(config.kafka().topicPrefix()).isEqualTo("prod");
        assertThat(config.kafka().groupId()).isEqualTo("metrics-prod");
        assertThat(config.kafka().clientProperties().getProperty("security.protocol")).isEqualTo("SSL");
    }

    @Test
    void mistakesAreNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> config(withDb("--source", "kafka"))).hasMessageContaining("needs --kafka-bootstrap");
        assertThatThrownBy(() -> config(withDb("--source", "kafak"))).hasMessageContaining("postgres or kafka");
        assertThatThrownBy(() -> config(withDb("--kafka-bootstrap", "kafka:9092")))
                .hasMessageContaining("need --source kafka");
        assertThatThrownBy(() -> config(withDb("--source", "kafka", "--kafka-bootstrap", "kafka:9092",
                "--kafka-properties", dir.resolve("missing.properties").toString())))
                .hasMessageContaining("no such file");
    }
}
