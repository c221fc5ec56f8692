package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.Serializable;
import java.util.Objects;

/**
 * Settings of the optional Redis invalidation: which Redis, Unstract's key prefix, and how long
 * one connect or reply may take before the attempt counts as failed. Kept short on purpose: the
 * writer waits for Redis after each committed batch, and a slow Redis must not slow the rollups.
 */
public record CacheInvalidation(RedisTarget redis, String keyPrefix, int timeoutMs, long invalidateAgainMs)
        implements Serializable {
    public static final int DEFAULT_TIMEOUT_MS = 500;
    /**
     * The keys of a commit are deleted once more this long after it (0: only once): a dashboard
     * request that read the old rows just before the commit may cache them just after the first
     * delete.
     */
    public static final long DEFAULT_INVALIDATE_AGAIN_MS = 3_000;

    public CacheInvalidation {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("Redis timeout must be >= 1 ms, got " + timeoutMs);
        }
        if (invalidateAgainMs < 0) {
            throw new IllegalArgumentException("--redis-invalidate-again-ms must be >= 0 (0 = only once), got "
                    + invalidateAgainMs);
        }
    }

    public CacheInvalidation(RedisTarget redis, String keyPrefix, int timeoutMs) {
        this(redis, keyPrefix, timeoutMs, DEFAULT_INVALIDATE_AGAIN_MS);
    }

    public CacheInvalidation(RedisTarget redis, String keyPrefix) {
        this(redis, keyPrefix, DEFAULT_TIMEOUT_MS);
    }

    public DashboardCacheKeys keys() {
        return new DashboardCacheKeys(keyPrefix);
    }
}
