package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.RedisTarget;
import io.github.dashboardmetrics.monitoring.PrometheusEndpoint;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * The options of {@code run} around the job rather than in it: invalidating Unstract's Redis
 * cache of dashboard hours, and exposing the job's metrics to Prometheus. Both off by default.
 */
public class OperationsOptions {
    public static final String REDIS_PASSWORD_ENV = "DASHBOARD_METRICS_REDIS_PASSWORD";

    @Option(names = "--redis-url", paramLabel = "redis://HOST:PORT[/DB]",
            description = "Unstract's Redis: after the rows of an hour are written, delete that organisation's cached "
                    + "dashboard keys of that hour (after the commit, and again --redis-invalidate-again-ms later). Off when not given. Password from env " + REDIS_PASSWORD_ENV + ".")
    String redisUrl;

    @Option(names = "--redis-key-prefix", defaultValue = DashboardCacheKeys.DEFAULT_PREFIX, paramLabel = "PREFIX",
            description = "Prefix of Unstract's dashboard cache keys. Default: ${DEFAULT-VALUE}.")
    String redisKeyPrefix;

    @Option(names = "--redis-invalidate-again-ms", paramLabel = "MS",
            defaultValue = "" + CacheInvalidation.DEFAULT_INVALIDATE_AGAIN_MS,
            description = "With --redis-url: delete the keys of a commit once more this long after it (0 = only once), "
                    + "for a dashboard request that read the old rows just before the commit. Default: ${DEFAULT-VALUE}.")
    long redisInvalidateAgainMs;

    @Option(names = "--prometheus-port", paramLabel = "PORT",
            description = "Serve the job's metrics for Prometheus on http://HOST:PORT/metrics (local runs). Off when not given.")
    Integer prometheusPort;

    /** The Redis invalidation settings, or null when {@code --redis-url} is absent. */
    public CacheInvalidation cacheInvalidation() {
        if (redisUrl == null) {
            return null;
        }
        return new CacheInvalidation(RedisTarget.parse(redisUrl, System.getenv(REDIS_PASSWORD_ENV)), redisKeyPrefix,
                CacheInvalidation.DEFAULT_TIMEOUT_MS, redisInvalidateAgainMs);
    }

    /** Adds the Prometheus reporter to {@code conf} when {@code --prometheus-port} is given; returns whether it did. */
    public boolean configurePrometheus(Configuration conf) {
        if (prometheusPort == null) {
            return false;
        }
        PrometheusEndpoint.configure(conf, prometheusPort);
        return true;
    }
}
