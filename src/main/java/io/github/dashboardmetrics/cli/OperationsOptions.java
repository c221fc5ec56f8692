package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.RedisTarget;
import io.github.dashboardmetrics.monitoring.PrometheusEndpoint;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import io.github.dashboardmetrics.sink.cache.RedisTls;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * The options of {@code run} around the job rather than in it: invalidating Unstract's Redis
 * cache of dashboard hours, and exposing the job's metrics to Prometheus. Both off by default.
 */
public class OperationsOptions {
    public static final String REDIS_PASSWORD_ENV = "DASHBOARD_METRICS_REDIS_PASSWORD";
    public static final String REDIS_SENTINEL_PASSWORD_ENV = "DASHBOARD_METRICS_REDIS_SENTINEL_PASSWORD";

    @Option(names = "--redis-url", paramLabel = "redis[s]://HOST:PORT[/DB]",
            description = "Unstract's Redis: after the rows of an hour are written, delete that organisation's cached "
                    + "dashboard keys of that hour (after the commit, and again --redis-invalidate-again-ms later). Off when not given. rediss:// for TLS. With --redis-sentinel-master "
                    + "the hosts are the Sentinels: redis://S1:26379,S2:26379/DB. Password from env " + REDIS_PASSWORD_ENV + ".")
    String redisUrl;

    @Option(names = "--redis-user", paramLabel = "NAME",
            description = "Redis ACL user name (Unstract's REDIS_USER). Default: the default user.")
    String redisUser;

    @Option(names = "--redis-sentinel-master", paramLabel = "NAME",
            description = "Ask the Sentinels of --redis-url for this master (Unstract's REDIS_SENTINEL_MODE) and follow "
                    + "their failovers. Sentinels' own password, if any, from env " + REDIS_SENTINEL_PASSWORD_ENV + ".")
    String redisSentinelMaster;

    @Option(names = "--redis-tls-ca-file", paramLabel = "PEM",
            description = "With rediss://: CA certificate(s) to trust. Default: the JVM's trust store.")
    Path redisTlsCaFile;

    @Option(names = "--redis-tls-cert-file", paramLabel = "PEM",
            description = "With rediss://: client certificate, for servers that require one (tls-auth-clients).")
    Path redisTlsCertFile;

    @Option(names = "--redis-tls-key-file", paramLabel = "PEM",
            description = "With rediss://: the client certificate's key, unencrypted PKCS#8 (BEGIN PRIVATE KEY).")
    Path redisTlsKeyFile;

    @Option(names = "--redis-timeout-ms", defaultValue = "" + CacheInvalidation.DEFAULT_TIMEOUT_MS, paramLabel = "MS",
            description = "Connect and reply timeout of Redis; one invalidation waits at most about three times this "
                    + "(longer only while several Sentinels are asked for the master). "
                    + "Default: ${DEFAULT-VALUE}.")
    int redisTimeoutMs;

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
            if (redisUser != null || redisSentinelMaster != null || redisTlsCaFile != null || redisTlsCertFile != null
                    || redisTlsKeyFile != null) {
                throw new IllegalArgumentException("--redis-user, --redis-sentinel-master and --redis-tls-* only apply "
                        + "with --redis-url: add it, or drop them");
            }
            return null;
        }
        if (!redisUrl.startsWith("rediss://") && (redisTlsCaFile != null || redisTlsCertFile != null || redisTlsKeyFile != null)) {
            throw new IllegalArgumentException("--redis-tls-* options need a rediss:// URL (TLS) in --redis-url");
        }
        if (redisTimeoutMs < 1 || redisTimeoutMs > 60_000) {
            throw new IllegalArgumentException("--redis-timeout-ms must be 1-60000, got " + redisTimeoutMs);
        }
        RedisTarget.Tls tls = redisTlsCaFile == null && redisTlsCertFile == null && redisTlsKeyFile == null ? null
                : RedisTls.read(redisTlsCaFile, redisTlsCertFile, redisTlsKeyFile);
        RedisTarget target = RedisTarget.parse(redisUrl, redisUser, System.getenv(REDIS_PASSWORD_ENV), tls,
                redisSentinelMaster, System.getenv(REDIS_SENTINEL_PASSWORD_ENV));
        return new CacheInvalidation(target, redisKeyPrefix, redisTimeoutMs, redisInvalidateAgainMs);
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
