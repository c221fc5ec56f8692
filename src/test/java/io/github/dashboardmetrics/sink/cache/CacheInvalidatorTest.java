package io.github.dashboardmetrics.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.RedisTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Against a real redis-server: deletes, counts, and never throws when Redis fails; TLS with CA and
 * client certificates, ACL users, Sentinel (with a failover), and a frozen Redis that must not
 * hold the caller longer than the timeouts.
 */
class CacheInvalidatorTest {
    @TempDir
    static Path dir;
    private static RedisServer redis;

    private final SimpleCounter invalidated = new SimpleCounter();
    private final SimpleCounter failed = new SimpleCounter();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(dir.resolve("shared"));
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @BeforeEach
    void empty() throws Exception {
        redis.command("FLUSHALL");
    }

    private CacheInvalidator invalidator(RedisTarget target) {
        return new CacheInvalidator(new CacheInvalidation(target, DashboardCacheKeys.DEFAULT_PREFIX, 300), invalidated,
                failed, clock::get);
    }

    @Test
    void deletesTheGivenKeysAndNoOthers() throws Exception {
        redis.set(List.of("a", "b", "c"));
        try (CacheInvalidator invalidator = invalidator(redis.target())) {
            invalidator.invalidate(List.of("a", "b", "never-cached"));
        }
        assertThat(redis.exists("a")).isFalse();
        assertThat(redis.exists("b")).isFalse();
        assertThat(redis.exists("c")).isTrue();
        assertThat(invalidated.getCount()).isEqualTo(3);
        assertThat(failed.getCount()).isZero();
    }

    @Test
    void deletesThousandsOfKeysOfOneBatch() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            keys.add("k" + i);
        }
        redis.set(keys);
        try (CacheInvalidator invalidator = invalidator(redis.target())) {
            invalidator.invalidate(keys);
        }
        assertThat((Long) redis.command("DBSIZE")).isZero();
        assertThat(invalidated.getCount()).isEqualTo(1_234);
    }

    @Test
    void authenticatesAndSelectsTheDatabaseOfTheUrl(@TempDir Path own) throws Exception {
        try (RedisServer secured = RedisServer.start(own, RedisServer.freePort(), "pw-from-env");
                Jedis c = secured.connect()) {
            c.set("k", "in-db-0");
            c.select(3);
            c.set("k", "in-db-3");
            RedisTarget db3 = RedisTarget.parse("redis://127.0.0.1:" + secured.port() + "/3", "pw-from-env");
            try (CacheInvalidator invalidator = invalidator(db3)) {
                invalidator.invalidate(List.of("k"));
            }
            assertThat(c.exists("k")).as("db 3").isFalse();
            c.select(0);
            assertThat(c.exists("k")).as("db 0 untouched").isTrue();

            RedisTarget wrongPassword = RedisTarget.parse("redis://127.0.0.1:" + secured.port() + "/0", "wrong");
            try (CacheInvalidator invalidator = invalidator(wrongPassword)) {
                invalidator.invalidate(List.of("k"));
            }
            assertThat(c.exists("k")).as("refused: nothing deleted").isTrue();
            assertThat(failed.getCount()).isEqualTo(1);
        }
    }

    @Test
    void whenRedisIsDownItCountsTheKeysPausesThenRecovers(@TempDir Path own) throws Exception {
        int port = RedisServer.freePort(); // nothing listens here yet
        RedisTarget target = new RedisTarget("127.0.0.1", port, 0, null);
        try (CacheInvalidator invalidator = invalidator(target)) {
            invalidator.invalidate(List.of("x", "y")); // refused: no exception
            assertThat(failed.getCount()).isEqualTo(2);

            try (RedisServer late = RedisServer.start(own, port, null)) {
                late.set(List.of("x", "y"));
                clock.addAndGet(CacheInvalidator.FIRST_PAUSE_MS - 1);
                invalidator.invalidate(List.of("x")); // still pausing: not even tried
                assertThat(late.exists("x")).isTrue();
                assertThat(failed.getCount()).isEqualTo(3);

                clock.addAndGet(1);
                invalidator.invalidate(List.of("x", "y"));
                assertThat(late.exists("x")).isFalse();
                assertThat(late.exists("y")).isFalse();
                assertThat(invalidated.getCount()).isEqualTo(2);

                late.stop(); // a connection that breaks while open
                invalidator.invalidate(List.of("z"));
                assertThat(failed.getCount()).isEqualTo(4);
            }
        }
    }

    @Test
    void speaksTlsTrustingTheGivenCaAndPresentingTheClientCertificate(@TempDir Path own) throws Exception {
        TestCertificates certs = TestCertificates.make(own.resolve("certs"));
        try (RedisServer tlsRedis = RedisServer.startTls(own.resolve("redis"), certs, "yes")) {
            String url = "rediss://localhost:" + tlsRedis.tlsPort() + "/0";
            tlsRedis.set(List.of("a", "b"));
            RedisTarget.Tls withClientCert = RedisTls.read(certs.caCert(), certs.clientCert(), certs.clientKey());
            try (CacheInvalidator invalidator = invalidator(RedisTarget.parse(url, null, null, withClientCert, null, null))) {
                invalidator.invalidate(List.of("a"));
            }
            assertThat(tlsRedis.exists("a")).as("deleted over TLS").isFalse();
            assertThat(invalidated.getCount()).isEqualTo(1);
            assertThat(failed.getCount()).isZero();

            // the server requires a client certificate: without one, refused (counted, not thrown)
            RedisTarget.Tls caOnly = RedisTls.read(certs.caCert(), null, null);
            clock.addAndGet(CacheInvalidator.MAX_PAUSE_MS);
            try (CacheInvalidator invalidator = invalidator(RedisTarget.parse(url, null, null, caOnly, null, null))) {
                invalidator.invalidate(List.of("b"));
            }
            // a server certificate from a CA not trusted: refused
            RedisTarget.Tls otherCa = RedisTls.read(certs.otherCaCert(), certs.clientCert(), certs.clientKey());
            try (CacheInvalidator invalidator = invalidator(RedisTarget.parse(url, null, null, otherCa, null, null))) {
                invalidator.invalidate(List.of("b"));
            }
            // plain RESP to the TLS port: no answer that counts as success
            try (CacheInvalidator invalidator = invalidator(
                    RedisTarget.parse("redis://localhost:" + tlsRedis.tlsPort() + "/0", null))) {
                invalidator.invalidate(List.of("b"));
            }
            assertThat(tlsRedis.exists("b")).as("none of the refused clients deleted it").isTrue();
            assertThat(failed.getCount()).isEqualTo(3);
        }
    }

    @Test
    void tlsFilesThatAreNotCertificatesOrKeysFailAtStartWithOneLine(@TempDir Path own) throws Exception {
        TestCertificates certs = TestCertificates.make(own.resolve("certs"));
        assertThatThrownBy(() -> RedisTls.read(certs.clientKey(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Redis TLS");
        assertThatThrownBy(() -> RedisTls.read(certs.caCert(), certs.clientCert(), certs.clientCert()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis-tls-key-file");
        assertThatThrownBy(() -> RedisTls.read(certs.caCert(), certs.clientCert(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("go together");
        assertThatThrownBy(() -> RedisTls.read(own.resolve("missing.pem"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read");
    }

    @Test
    void logsInAsTheAclUser(@TempDir Path own) throws Exception {
        try (RedisServer secured = RedisServer.start(own, RedisServer.freePort(), "default-user-password")) {
            // Unstract's REDIS_USER: a user that may only delete the dashboard's keys
            secured.command("ACL", "SETUSER", "dashboard", "on", ">user-password", "~dashboard_metrics:*", "+@connection",
                    "+del");
            String key = DashboardCacheKeys.DEFAULT_PREFIX + "bucket:hourly:1:2026-01-01T00:00:00";
            secured.set(List.of(key, "other:key"));
            String url = "redis://127.0.0.1:" + secured.port() + "/0";
            try (CacheInvalidator invalidator = invalidator(RedisTarget.parse(url, "dashboard", "user-password", null, null, null))) {
                invalidator.invalidate(List.of(key));
                assertThat(secured.exists(key)).as("deleted as user dashboard").isFalse();
                assertThat(invalidated.getCount()).isEqualTo(1);
            }
            // the same password without the user name is the default user's login: refused
            clock.addAndGet(CacheInvalidator.MAX_PAUSE_MS);
            secured.set(List.of(key));
            try (CacheInvalidator invalidator = invalidator(RedisTarget.parse(url, null, "user-password", null, null, null))) {
                invalidator.invalidate(List.of(key));
            }
            assertThat(secured.exists(key)).isTrue();
            assertThat(failed.getCount()).isEqualTo(1);
        }
    }

    @Test
    void findsTheMasterThroughSentinelAndFollowsAFailover(@TempDir Path own) throws Exception {
        try (RedisServer master = RedisServer.start(own.resolve("master"));
                RedisServer replica = RedisServer.startReplica(own.resolve("replica"), master.port());
                RedisServer sentinel = RedisServer.startSentinel(own.resolve("sentinel"), "unstract", master.port())) {
            String url = "redis://127.0.0.1:" + sentinel.port() + "/0";
            RedisTarget target = RedisTarget.parse(url, null, null, null, "unstract", null);
            try (CacheInvalidator invalidator = invalidator(target)) {
                master.set(List.of("a", "b"));
                until("the replica in sync", Duration.ofSeconds(30),
                        () -> replica.exists("a"), Boolean::booleanValue);
                invalidator.invalidate(List.of("a"));
                assertThat(master.exists("a")).as("deleted on the master the Sentinel named").isFalse();
                assertThat(invalidated.getCount()).isEqualTo(1);

                master.stop(); // the Sentinel promotes the replica
                until("the Sentinel to promote the replica",
                        Duration.ofSeconds(60),
                        () -> sentinel.command("SENTINEL", "get-master-addr-by-name", "unstract"),
                        addr -> List.of("127.0.0.1", Integer.toString(replica.port())).equals(addr));
                until("the replica to accept writes", Duration.ofSeconds(30),
                        () -> replica.command("ROLE"), role -> ((List<?>) role).get(0).equals("master"));
                replica.set(List.of("c"));
                // attempts (each after the pause a failure costs) until the invalidator follows the failover
                until("key c deleted on the new master", Duration.ofSeconds(60),
                        () -> {
                            clock.addAndGet(CacheInvalidator.MAX_PAUSE_MS);
                            invalidator.invalidate(List.of("c"));
                            return replica.exists("c");
                        }, exists -> !exists);
                assertThat(replica.exists("b")).as("only the given keys").isTrue();
            }
        }
    }

    @Test
    void aFrozenRedisHoldsTheCallerOnlyForTheTimeouts(@TempDir Path own) throws Exception {
        try (RedisServer frozen = RedisServer.start(own)) {
            frozen.set(List.of("a"));
            try (CacheInvalidator invalidator = invalidator(frozen.target())) {
                invalidator.invalidate(List.of("warm-up")); // connected before the freeze
                frozen.freeze(); // SIGSTOP: connections stay open, nothing answers
                long started = System.nanoTime();
                invalidator.invalidate(List.of("a"));
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                System.out.println("invalidate against a frozen Redis returned after " + tookMs + " ms (timeout 300 ms)");
                // without a read timeout this call never returns; the bound is loose on purpose (a busy machine)
                assertThat(tookMs).isLessThan(20_000);
                assertThat(failed.getCount()).isEqualTo(1);
                frozen.resume();
                clock.addAndGet(CacheInvalidator.FIRST_PAUSE_MS);
                invalidator.invalidate(List.of("a"));
                assertThat(frozen.exists("a")).as("deleted once Redis answers again").isFalse();
            }
        }
    }

    /** Polls {@code probe} until {@code done} accepts its value; fails with the last value at the deadline. */
    private static <T> T until(String what, Duration timeout, Callable<T> probe, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = probe.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last: " + last);
            }
            Thread.sleep(200); // poll interval, not a stand-in for the condition
            last = probe.call();
        }
        return last;
    }
}
