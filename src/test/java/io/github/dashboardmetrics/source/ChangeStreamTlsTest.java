package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ChangeStreamTlsTest {
    private static Properties debezium(String url) {
        Properties p = new Properties();
        ChangeStreamTls.configure(url, p);
        return p;
    }

    @Test
    void theUrlsTlsParametersReachTheChangeStream() {
        Properties p = debezium("jdbc:postgresql://db:5432/unstract?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"
                + "&sslcert=/etc/client.crt&sslkey=/etc/client.pk8&ApplicationName=x");
        assertThat(p).containsEntry("database.sslmode", "verify-full").containsEntry("database.sslrootcert", "/etc/ca.pem")
                .containsEntry("database.sslcert", "/etc/client.crt").containsEntry("database.sslkey", "/etc/client.pk8")
                .hasSize(4);
        assertThat(debezium("jdbc:postgresql://db/unstract?ssl=true")).containsEntry("database.sslmode", "verify-full");
        assertThat(debezium("jdbc:postgresql://db/unstract")).isEmpty();
    }

    @Test
    void modesTheChangeStreamCannotHonourAreRefused() {
        assertThatThrownBy(() -> debezium("jdbc:postgresql://db/unstract?sslmode=prefer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sslmode=prefer").hasMessageContaining("disable, require, verify-ca, verify-full");
    }
}
