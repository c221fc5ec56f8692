package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.util.Pool;

/**
 * Deletes cached dashboard keys in Redis, best effort: it never throws and never retries. The
 * rollups are the truth and are already committed when this runs; a key that could not be
 * deleted only means the dashboard shows the old value until the key expires (Unstract: at most
 * 8 hours), which is what happens without this feature at all.
 *
 * <p>So a failure (Redis down, slow, refusing the password) is counted per key, reported in one
 * warning line at most once a minute, and pauses further attempts for a growing interval (1 s
 * doubling to 30 s): while Redis is unreachable the writer does not wait for a connect timeout
 * after every batch. One call waits at most about three timeouts ({@link CacheInvalidation#timeoutMs}:
 * connect, then {@code DEL} replies; no further {@code DEL} starts once the call has used up
 * {@link #CALL_BUDGET_TIMEOUTS} timeouts, its keys are counted as failed), plus one connect
 * timeout per Sentinel asked when the Sentinel pool is (re)created, so a slow or frozen Redis
 * never holds the rollup writer for long.
 *
 * <p>The client is Jedis: TLS ({@code rediss://}, CA and client certificates), ACL users, and
 * Sentinel (the master is asked from the Sentinels, and followed when they fail over). One
 * connection in a pool of one, opened on first use and replaced after a failure.
 *
 * <p>Used by one writer thread only.
 */
public final class CacheInvalidator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CacheInvalidator.class);
    static final long FIRST_PAUSE_MS = 1_000;
    static final long MAX_PAUSE_MS = 30_000;
    static final long WARNING_INTERVAL_MS = 60_000;
    /** DEL takes any number of keys; chunks keep one command (and its reply wait) bounded. */
    private static final int MAX_KEYS_PER_DEL = 500;
    /** How many timeouts one call may spend before the rest of its keys count as failed. */
    static final int CALL_BUDGET_TIMEOUTS = 2;

    private final CacheInvalidation settings;
    private final Counter keysInvalidated;
    private final Counter keysFailed;
    private final LongSupplier clockMs;

    private Pool<Jedis> pool;
    private long pausedUntilMs = Long.MIN_VALUE;
    private long pauseMs;
    private long nextWarningAtMs = Long.MIN_VALUE;
    private long keysFailedSinceWarning;
    private long keysFailedSinceWorking;
    private String lastFailure;

    public CacheInvalidator(CacheInvalidation settings, Counter keysInvalidated, Counter keysFailed) {
        this(settings, keysInvalidated, keysFailed, System::currentTimeMillis);
    }

    /** With an explicit clock, so that tests can step over the pause after a failure. */
    CacheInvalidator(CacheInvalidation settings, Counter keysInvalidated, Counter keysFailed, LongSupplier clockMs) {
        this.settings = settings;
        this.keysInvalidated = keysInvalidated;
        this.keysFailed = keysFailed;
        this.clockMs = clockMs;
    }

    /** Deletes {@code keys}; failures are counted and reported, never thrown. */
    public void invalidate(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        long now = clockMs.getAsLong();
        if (now < pausedUntilMs) {
            failed(keys.size(), now);
            return;
        }
        int done = 0;
        long budgetEndsNs = System.nanoTime() + (long) CALL_BUDGET_TIMEOUTS * settings.timeoutMs() * 1_000_000L;
        try (Jedis redis = pool().getResource()) {
            for (List<String> chunk : chunks(keys)) {
                if (done > 0 && System.nanoTime() > budgetEndsNs) {
                    throw new IllegalStateException("Redis too slow: " + (keys.size() - done)
                            + " keys of this batch left after " + CALL_BUDGET_TIMEOUTS + " timeouts");
                }
                redis.del(chunk.toArray(new String[0]));
                done += chunk.size();
            }
            keysInvalidated.inc(done);
            if (keysFailedSinceWorking > 0) {
                LOG.info("Redis cache invalidation works again ({}); {} cached keys were not deleted while it failed",
                        settings.redis().url(), keysFailedSinceWorking);
            }
            keysFailedSinceWorking = 0;
            pauseMs = 0;
        } catch (RuntimeException e) { // JedisException and the pool's own
            keysInvalidated.inc(done);
            if (!(e instanceof IllegalStateException)) {
                closePoolUnlessSentinel();
            }
            pauseMs = pauseMs == 0 ? FIRST_PAUSE_MS : Math.min(MAX_PAUSE_MS, pauseMs * 2);
            pausedUntilMs = now + pauseMs;
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            failed(keys.size() - done, now);
        }
    }

    /**
     * The pool, created on first use: of Redis itself, or of the master the Sentinels name (the
     * Sentinel pool asks them at creation, and follows their {@code +switch-master} afterwards).
     */
    private Pool<Jedis> pool() {
        if (pool == null) {
            RedisTarget redis = settings.redis();
            GenericObjectPoolConfig<Jedis> one = new GenericObjectPoolConfig<>();
            one.setMaxTotal(1);
            one.setMaxIdle(1);
            one.setMinIdle(0);
            one.setMaxWait(Duration.ofMillis(settings.timeoutMs()));
            one.setJmxEnabled(false);
            JedisClientConfig master = clientConfig(settings, redis.user(), redis.password(), redis.database());
            if (redis.sentinelMaster() == null) {
                pool = new JedisPool(one, new HostAndPort(redis.host(), redis.port()), master);
            } else {
                Set<HostAndPort> sentinels = new LinkedHashSet<>();
                for (RedisTarget.Address a : redis.addresses()) {
                    sentinels.add(new HostAndPort(a.host(), a.port()));
                }
                pool = new JedisSentinelPool(redis.sentinelMaster(), sentinels, one, master,
                        clientConfig(settings, null, redis.sentinelPassword(), 0));
            }
        }
        return pool;
    }

    /** Timeouts, credentials, database and TLS of one connection (to Redis or to a Sentinel). */
    static JedisClientConfig clientConfig(CacheInvalidation settings, String user, String password, int database) {
        RedisTarget redis = settings.redis();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.timeoutMs())
                .socketTimeoutMillis(settings.timeoutMs())
                .blockingSocketTimeoutMillis(settings.timeoutMs())
                .user(user)
                .password(password)
                .database(database)
                .clientName("dashboard-metrics")
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (redis.ssl()) {
            config.ssl(true).sslSocketFactory(RedisTls.socketFactory(redis.tls())).sslParameters(RedisTls.parameters());
        }
        return config.build();
    }

    private void failed(long keys, long now) {
        keysFailed.inc(keys);
        keysFailedSinceWarning += keys;
        keysFailedSinceWorking += keys;
        if (now >= nextWarningAtMs) {
            LOG.warn("Redis cache invalidation failing ({}: {}): {} cached dashboard keys not deleted since the last "
                            + "warning; rollups are written regardless, and the keys expire on their own. Next attempt "
                            + "in {} s; this warning repeats at most once a minute.",
                    settings.redis().url(), lastFailure, keysFailedSinceWarning, Math.max(1, pauseMs / 1000));
            keysFailedSinceWarning = 0;
            nextWarningAtMs = now + WARNING_INTERVAL_MS;
        }
    }

    private static List<List<String>> chunks(Collection<String> keys) {
        List<List<String>> chunks = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String key : keys) {
            current.add(key);
            if (current.size() == MAX_KEYS_PER_DEL) {
                chunks.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    /**
     * After a failure: a plain pool is dropped (its next use connects afresh); a Sentinel pool is
     * kept, since it follows the master on its own and creating it again asks every Sentinel.
     */
    private void closePoolUnlessSentinel() {
        if (pool != null && settings.redis().sentinelMaster() == null) {
            closePool();
        }
    }

    private void closePool() {
        if (pool != null) {
            try {
                pool.close();
            } catch (RuntimeException ignored) {
                // already broken: nothing left to release
            }
            pool = null;
        }
    }

    @Override
    public void close() {
        closePool();
    }
}
