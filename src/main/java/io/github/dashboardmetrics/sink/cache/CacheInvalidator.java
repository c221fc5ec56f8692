package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes cached dashboard keys in Redis, best effort: it never throws and never retries. The
 * rollups are the truth and are already committed when this runs; a key that could not be
 * deleted only means the dashboard shows the old value until the key expires (Unstract: at most
 * 8 hours), which is what happens without this feature at all.
 *
 * <p>So a failure (Redis down, slow, refusing the password) is counted per key, reported in one
 * warning line at most once a minute, and pauses further attempts for a growing interval (1 s
 * doubling to 30 s): while Redis is unreachable the writer does not wait for a connect timeout
 * after every batch. One connection, opened on first use and re-opened after a failure.
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

    private final CacheInvalidation settings;
    private final Counter keysInvalidated;
    private final Counter keysFailed;
    private final LongSupplier clockMs;

    private RespConnection connection;
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
        try {
            RespConnection redis = connection();
            for (List<String> chunk : chunks(keys)) {
                List<String> command = new ArrayList<>(chunk.size() + 1);
                command.add("DEL");
                command.addAll(chunk);
                redis.command(command.toArray(new String[0]));
                done += chunk.size();
            }
            keysInvalidated.inc(done);
            if (keysFailedSinceWorking > 0) {
                LOG.info("Redis cache invalidation works again ({}); {} cached keys were not deleted while it failed",
                        settings.redis().url(), keysFailedSinceWorking);
            }
            keysFailedSinceWorking = 0;
            pauseMs = 0;
        } catch (IOException | RuntimeException e) {
            keysInvalidated.inc(done);
            closeConnection();
            pauseMs = pauseMs == 0 ? FIRST_PAUSE_MS : Math.min(MAX_PAUSE_MS, pauseMs * 2);
            pausedUntilMs = now + pauseMs;
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            failed(keys.size() - done, now);
        }
    }

    private RespConnection connection() throws IOException {
        if (connection == null) {
            RedisTarget redis = settings.redis();
            RespConnection opened = RespConnection.open(redis.host(), redis.port(), settings.timeoutMs(), settings.timeoutMs());
            try {
                if (redis.password() != null) {
                    opened.command("AUTH", redis.password());
                }
                if (redis.database() != 0) {
                    opened.command("SELECT", Integer.toString(redis.database()));
                }
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            connection = opened;
        }
        return connection;
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

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException ignored) {
                // already broken: nothing left to release
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
