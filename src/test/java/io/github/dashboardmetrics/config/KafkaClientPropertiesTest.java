package io.github.dashboardmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {
    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void securitySettingsPassThroughUnchanged() throws Exception {
        Properties p = KafkaClientProperties.load(file("""
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";
                partition.discovery.interval.ms=10000
                """));
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.jaas.config")).endsWith("password=\"p\";");
        assertThat(p).hasSize(4);
    }

    @Test
    void noFileMeansNoSettings() {
        assertThat(KafkaClientProperties.load(null)).isEmpty();
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaClientProperties.load(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--kafka-properties " + missing + ": no such file");
    }

    @Test
    void valuesKafkaWouldRejectAreRejectedUpFront() throws Exception {
        Path file = file("request.timeout.ms=soon\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("request.timeout.ms")
                .hasMessageContaining("soon");
        Path protocol = file("security.protocol=SASL_SSLL\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(protocol)).hasMessageContaining("SASL_SSLL");
        Path discovery = file("partition.discovery.interval.ms=1m\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(discovery))
                .hasMessageContaining("partition.discovery.interval.ms must be a number of milliseconds");
    }

    @Test
    void settingsTheJobMakesItselfAreRejectedWithTheOptionToUse() throws Exception {
        assertThatThrownBy(() -> KafkaClientProperties.load(file("bootstrap.servers=kafka:9092\n")))
                .hasMessageContaining("bootstrap.servers is set by --kafka-bootstrap");
        assertThatThrownBy(() -> KafkaClientProperties.load(file("group.id=x\n")))
                .hasMessageContaining("group.id is set by --kafka-group");
        assertThatThrownBy(() -> KafkaClientProperties.load(file("auto.offset.reset=latest\n")))
                .hasMessageContaining("auto.offset.reset is set by --startup");
    }

    @Test
    void malformedEscapeIsNotAPropertiesFile() throws Exception {
        Path file = file("sasl.jaas.config=\\uZZZZ\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(file)).hasMessageContaining("not a properties file");
    }
}
