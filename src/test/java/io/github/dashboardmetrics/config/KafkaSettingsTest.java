package io.github.dashboardmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
    @Test
    void acceptsBrokerLists() {
        assertThat(KafkaSettings.plain("kafka-1:9092,kafka-2.internal:9093, 10.0.0.7:9094,[::1]:9092", "unstract",
                "g").bootstrapServers()).startsWith("kafka-1");
    }

    @Test
    void rejectsWhatIsNotHostPort() {
        assertThatThrownBy(() -> KafkaSettings.plain(null, "unstract", "g")).hasMessageContaining("needs --kafka-bootstrap");
        assertThatThrownBy(() -> KafkaSettings.plain("kafka", "unstract", "g")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> KafkaSettings.plain("kafka:99999", "unstract", "g")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> KafkaSettings.plain("PLAINTEXT://kafka:9092", "unstract", "g"))
                .hasMessageContaining("HOST:PORT");
    }

    @Test
    void rejectsTopicPrefixesKafkaCannotName() {
        assertThatThrownBy(() -> KafkaSettings.plain("k:9092", "my prefix", "g")).hasMessageContaining("--topic-prefix");
        assertThatThrownBy(() -> KafkaSettings.plain("k:9092", "unstract", " ")).hasMessageContaining("--kafka-group");
    }

    @Test
    void toStringHidesPropertyValues() {
        Properties secrets = new Properties();
        secrets.setProperty("sasl.jaas.config", "... password=\"hunter2\";");
        KafkaSettings settings = new KafkaSettings("k:9092", "unstract", "g", secrets);
        assertThat(settings.toString()).contains("sasl.jaas.config").doesNotContain("hunter2");
    }

    @Test
    void holdsACopyOfTheProperties() {
        Properties p = new Properties();
        KafkaSettings settings = new KafkaSettings("k:9092", "unstract", "g", p);
        p.setProperty("late", "x");
        settings.clientProperties().setProperty("also", "x");
        assertThat(settings.clientProperties()).isEmpty();
    }
}
