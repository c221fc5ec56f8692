package io.github.dashboardmetrics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.source.PreflightException;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.junit.jupiter.api.Test;

/** What main() does when a database cannot be reached as it starts (application mode: after a JobManager failover). */
class StartupRetryTest {
    /** A real connection attempt to a port nothing listens on, wrapped as the preflight wraps it. */
    private static Void connectToNothing(int port) {
        try {
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/unstract?connectTimeout=2", "u", "p").close();
            return null;
        } catch (SQLException e) {
            throw new PreflightException("cannot use source database: " + e.getMessage(), e);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void retriesAnUnreachableDatabaseUntilItAnswers() throws Exception {
        int port = freePort();
        AtomicInteger attempts = new AtomicInteger();
        String result = StartupRetry.whileUnreachable("test database", Duration.ofSeconds(60), () -> {
            if (attempts.incrementAndGet() < 3) {
                connectToNothing(port); // refused: retried
            }
            return "started";
        });
        assertThat(result).isEqualTo("started");
        assertThat(attempts.get()).isEqualTo(3);
    }

    @Test
    void givesUpWhenTheBudgetIsSpentAndAtOnceWithoutBudget() throws Exception {
        int port = freePort();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> StartupRetry.whileUnreachable("test database", Duration.ofMillis(1_500), () -> {
            attempts.incrementAndGet();
            return connectToNothing(port);
        })).isInstanceOf(PreflightException.class).hasMessageContaining("cannot use source database");
        assertThat(attempts.get()).as("tried again within the budget, then gave up").isBetween(2, 3);

        attempts.set(0);
        assertThatThrownBy(() -> StartupRetry.whileUnreachable("test database", Duration.ZERO, () -> {
            attempts.incrementAndGet();
            return connectToNothing(port);
        })).isInstanceOf(PreflightException.class);
        assertThat(attempts.get()).as("no budget: one attempt (local runs fail fast)").isEqualTo(1);
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> StartupRetry.whileUnreachable("test database", Duration.ofSeconds(60), () -> {
            attempts.incrementAndGet();
            throw new PreflightException("table usage is missing", new SQLException("relation does not exist", "42P01"));
        })).hasMessageContaining("table usage is missing");
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void applicationModeIsTheEmbeddedExecutor() {
        Configuration conf = new Configuration();
        assertThat(StartupRetry.applicationMode(conf)).isFalse();
        conf.set(DeploymentOptions.TARGET, "remote");
        assertThat(StartupRetry.applicationMode(conf)).isFalse();
        conf.set(DeploymentOptions.TARGET, "embedded");
        assertThat(StartupRetry.applicationMode(conf)).isTrue();
    }
}
