package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.KafkaSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KafkaPreflightTest {
    @Test
    void unreachableBrokersStopTheJobWithTheAddressAndWhatToCheck() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KafkaSettings kafka = KafkaSettings.plain("127.0.0.1:" + closedPort, "unstract", "g");
        assertThatThrownBy(() -> KafkaPreflight.check(kafka, "unstract", Duration.ofSeconds(2)))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("cannot list the topics of Kafka at 127.0.0.1:" + closedPort)
                .hasMessageContaining("check --kafka-bootstrap and the security settings in --kafka-properties");
    }
}
