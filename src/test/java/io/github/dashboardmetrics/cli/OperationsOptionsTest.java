package io.github.dashboardmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.monitoring.PrometheusEndpoint;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class OperationsOptionsTest {
    @Command(name = "holder")
    static class Holder {
        @Mixin
        OperationsOptions operations;
    }

    private static OperationsOptions parse(String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        return holder.operations;
    }

    @Test
    void everythingIsOffByDefault() {
        OperationsOptions options = parse();
        Configuration conf = new Configuration();
        assertThat(options.cacheInvalidation()).isNull();
        assertThat(options.configurePrometheus(conf)).isFalse();
        assertThat(conf.keySet()).noneMatch(k -> k.startsWith(PrometheusEndpoint.REPORTER_PREFIX));
    }

    @Test
    void redisUrlAndPrefixAndPrometheusPortAreApplied() {
        OperationsOptions options = parse("--redis-url", "redis://cache:6380/4", "--redis-key-prefix", "tenant:dashboard_metrics:",
                "--prometheus-port", "9249");
        CacheInvalidation cache = options.cacheInvalidation();
        assertThat(cache.redis().url()).isEqualTo("redis://cache:6380/4");
        assertThat(cache.keys().hour(1, 0)).startsWith("tenant:dashboard_metrics:bucket:hourly:1:");

        Configuration conf = new Configuration();
        assertThat(options.configurePrometheus(conf)).isTrue();
        assertThat(conf.getString("metrics.reporter.prom.factory.class", null)).isEqualTo(PrometheusEndpoint.FACTORY);
        assertThat(conf.getString("metrics.reporter.prom.port", null)).isEqualTo("9249");
        assertThatThrownBy(() -> parse("--prometheus-port", "70000").configurePrometheus(new Configuration()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runRefusesABadRedisUrlWithExitCode2BeforeTouchingAnyDatabase(@TempDir Path stateDir) {
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            // port 1: nothing listens; the URL must be refused before any connection is tried
            code = Main.execute("run", "--db-url", "jdbc:postgresql://localhost:1/unstract", "--db-user", "u",
                    "--db-password-file", TestPasswordFile.path(), "--state-dir", stateDir.toString(), "--redis-url", "redis://:secret@cache:6379");
        } finally {
            System.setErr(savedErr);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--redis-url must not contain credentials")
                .doesNotContain("secret");
    }

    @Test
    void redisTlsUserSentinelAndTimeoutOptionsAreApplied(@TempDir Path dir) throws Exception {
        io.github.dashboardmetrics.sink.cache.TestCertificates certs =
                io.github.dashboardmetrics.sink.cache.TestCertificates.make(dir);
        CacheInvalidation tls = parse("--redis-url", "rediss://cache:6380/1", "--redis-user", "dashboard",
                "--redis-tls-ca-file", certs.caCert().toString(), "--redis-tls-cert-file", certs.clientCert().toString(),
                "--redis-tls-key-file", certs.clientKey().toString(), "--redis-timeout-ms", "250").cacheInvalidation();
        assertThat(tls.redis().ssl()).isTrue();
        assertThat(tls.redis().user()).isEqualTo("dashboard");
        assertThat(tls.redis().tls().caPem()).contains("BEGIN CERTIFICATE");
        assertThat(tls.redis().tls().keyPem()).contains("BEGIN PRIVATE KEY");
        assertThat(tls.timeoutMs()).isEqualTo(250);

        CacheInvalidation sentinel = parse("--redis-url", "redis://s1:26379,s2:26379/3", "--redis-sentinel-master", "mymaster")
                .cacheInvalidation();
        assertThat(sentinel.redis().sentinelMaster()).isEqualTo("mymaster");
        assertThat(sentinel.redis().addresses()).hasSize(2);
        assertThat(parse("--redis-url", "redis://cache").cacheInvalidation().timeoutMs())
                .isEqualTo(CacheInvalidation.DEFAULT_TIMEOUT_MS);
    }

    @Test
    void runRefusesBadRedisOptionsWithExitCode2AndOneLine(@TempDir Path dir) throws Exception {
        io.github.dashboardmetrics.sink.cache.TestCertificates certs =
                io.github.dashboardmetrics.sink.cache.TestCertificates.make(dir.resolve("certs"));
        String[][] cases = {
                {"--redis-user", "dashboard"},
                {"--redis-url", "redis://cache:6379", "--redis-tls-ca-file", certs.caCert().toString()},
                {"--redis-url", "rediss://cache:6379", "--redis-tls-ca-file", dir.resolve("missing.pem").toString()},
                {"--redis-url", "rediss://cache:6379", "--redis-tls-cert-file", certs.clientCert().toString()},
                {"--redis-url", "rediss://cache:6379", "--redis-tls-ca-file", certs.caCert().toString(),
                        "--redis-tls-cert-file", certs.clientCert().toString(), "--redis-tls-key-file", certs.caCert().toString()},
                {"--redis-url", "redis://a:6379,b:6379"},
                {"--redis-url", "redis://cache:6379", "--redis-timeout-ms", "0"},
        };
        for (String[] redisArgs : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--db-url",
                    "jdbc:postgresql://localhost:1/unstract", "--db-user", "u", "--db-password-file", TestPasswordFile.path(),
                    "--state-dir", dir.resolve("state").toString()));
            args.addAll(java.util.List.of(redisArgs));
            PrintStream savedErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                code = Main.execute(args.toArray(new String[0]));
            } finally {
                System.setErr(savedErr);
            }
            String message = err.toString(StandardCharsets.UTF_8);
            assertThat(code).as(String.join(" ", redisArgs) + ": " + message).isEqualTo(2);
            assertThat(message.strip().lines().count()).as(message).isEqualTo(1);
            assertThat(message).as(message).startsWith("dashboard-metrics: ").contains("--redis");
        }
    }
}
