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
    void refusesCredentialsInTheUrlAndMalformedUrls() {
        assertThatThrownBy(() -> RedisTarget.parse("redis://:pw@localhost:6379", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials");
        assertThatThrownBy(() -> RedisTarget.parse("rediss://:pw@localhost:6379", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("pw");
        assertThatThrownBy(() -> RedisTarget.parse("redis://:p w@local host", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("p w");
        for (String bad : new String[] {"localhost:6379", "http://localhost:6379", "redis://localhost:6379/x",
                "redis:///0", "redis://localhost:6379/0?timeout=1", "redis://localhost:6379/-1"}) {
            assertThatThrownBy(() -> RedisTarget.parse(bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void tlsAclUserAndSentinels() {
        RedisTarget tls = RedisTarget.parse("rediss://cache.internal:6380/1", "dashboard", "pw",
                new RedisTarget.Tls("CA-PEM", "CERT-PEM", "KEY-PEM"), null, null);
        assertThat(tls.ssl()).isTrue();
        assertThat(tls.user()).isEqualTo("dashboard");
        assertThat(tls.url()).isEqualTo("rediss://dashboard@cache.internal:6380/1");
        assertThat(tls.toString()).doesNotContain("pw").doesNotContain("KEY-PEM").contains("key=<redacted>");

        RedisTarget sentinels = RedisTarget.parse("redis://s1,s2:26380,[::1]/2", null, "pw", null, "mymaster", "spw");
        assertThat(sentinels.addresses()).containsExactly(new RedisTarget.Address("s1", 26379),
                new RedisTarget.Address("s2", 26380), new RedisTarget.Address("::1", 26379));
        assertThat(sentinels.sentinelMaster()).isEqualTo("mymaster");
        assertThat(sentinels.database()).isEqualTo(2);
        assertThat(sentinels.toString()).doesNotContain("spw").contains("Sentinel master mymaster");
    }

    @Test
    void refusesSeveralHostsWithoutSentinelAndTlsFilesWithoutRediss() {
        assertThatThrownBy(() -> RedisTarget.parse("redis://a:1,b:2/0", null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis-sentinel-master");
        assertThatThrownBy(() -> RedisTarget.parse("redis://a:1/0", null, null, new RedisTarget.Tls("CA", null, null), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
        assertThatThrownBy(() -> RedisTarget.parse("redis://a:1/0", null, null, null, " ", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis-sentinel-master");
        assertThatThrownBy(() -> new RedisTarget.Tls(null, "CERT", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("go together");
    }
}
