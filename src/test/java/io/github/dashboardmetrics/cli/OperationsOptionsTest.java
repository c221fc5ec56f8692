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
}
