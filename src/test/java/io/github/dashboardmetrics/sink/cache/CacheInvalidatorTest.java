package io.github.dashboardmetrics.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.RedisTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real redis-server: deletes, counts, and never throws when Redis fails. */
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
                RespConnection c = secured.connect()) {
            c.command("SET", "k", "in-db-0");
            c.command("SELECT", "3");
            c.command("SET", "k", "in-db-3");
            RedisTarget db3 = RedisTarget.parse("redis://127.0.0.1:" + secured.port() + "/3", "pw-from-env");
            try (CacheInvalidator invalidator = invalidator(db3)) {
                invalidator.invalidate(List.of("k"));
            }
            assertThat(c.command("EXISTS", "k")).as("db 3").isEqualTo(0L);
            c.command("SELECT", "0");
            assertThat(c.command("EXISTS", "k")).as("db 0 untouched").isEqualTo(1L);

            RedisTarget wrongPassword = RedisTarget.parse("redis://127.0.0.1:" + secured.port() + "/0", "wrong");
            try (CacheInvalidator invalidator = invalidator(wrongPassword)) {
                invalidator.invalidate(List.of("k"));
            }
            assertThat(c.command("EXISTS", "k")).as("refused: nothing deleted").isEqualTo(1L);
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
}
