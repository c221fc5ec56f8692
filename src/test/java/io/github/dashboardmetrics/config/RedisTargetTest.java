package io.github.dashboardmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisTargetTest {
    @Test
    void parsesHostPortAndDatabaseAndKeepsThePasswordOutOfEveryString() {
        RedisTarget t = RedisTarget.parse("redis://cache.internal:6380/2", "s3cret");
        assertThat(t.host()).isEqualTo("cache.internal");
        assertThat(t.port()).isEqualTo(6380);
        assertThat(t.database()).isEqualTo(2);
        assertThat(t.password()).isEqualTo("s3cret");
        assertThat(t.url()).isEqualTo("redis://cache.internal:6380/2");
        assertThat(t.toString()).doesNotContain("s3cret").contains("<redacted>");
    }

    @Test
    void defaultsToPort6379DatabaseZeroAndNoPassword() {
        RedisTarget t = RedisTarget.parse("redis://localhost", null);
        assertThat(t.port()).isEqualTo(6379);
        assertThat(t.database()).isZero();
        assertThat(t.password()).isNull();
        assertThat(RedisTarget.parse("redis://localhost:6379/", "").password()).as("empty env var: no password").isNull();
    }

    @Test
    void acceptsIpv6Literals() {
        RedisTarget t = RedisTarget.parse("redis://[::1]:7000/1", null);
        assertThat(t.host()).isEqualTo("::1");
        assertThat(t.url()).isEqualTo("redis://[::1]:7000/1");
    }

    @Test
    void refusesCredentialsInTheUrlTlsAndMalformedUrls() {
        assertThatThrownBy(() -> RedisTarget.parse("redis://:pw@localhost:6379", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials");
        assertThatThrownBy(() -> RedisTarget.parse("rediss://:pw@localhost:6379", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("pw");
        assertThatThrownBy(() -> RedisTarget.parse("redis://:p w@local host", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("p w");
        assertThatThrownBy(() -> RedisTarget.parse("rediss://localhost:6379", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS");
        for (String bad : new String[] {"localhost:6379", "http://localhost:6379", "redis://localhost:6379/x",
                "redis:///0", "redis://localhost:6379/0?timeout=1", "redis://localhost:6379/-1"}) {
            assertThatThrownBy(() -> RedisTarget.parse(bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
