package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.Serializable;
import java.util.Objects;

/**
 * Settings of the optional Redis invalidation: which Redis, Unstract's key prefix, and how long
 * one connect or reply may take before the attempt counts as failed. Kept short on purpose: the
 * writer waits for Redis after each committed batch, and a slow Redis must not slow the rollups.
 */
public record CacheInvalidation(RedisTarget redis, String keyPrefix, int timeoutMs) implements Serializable {
    public static final int DEFAULT_TIMEOUT_MS = 500;

    public CacheInvalidation {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("Redis timeout must be >= 1 ms, got " + timeoutMs);
        }
    }

    public CacheInvalidation(RedisTarget redis, String keyPrefix) {
        this(redis, keyPrefix, DEFAULT_TIMEOUT_MS);
    }

    public DashboardCacheKeys keys() {
        return new DashboardCacheKeys(keyPrefix);
    }
}
