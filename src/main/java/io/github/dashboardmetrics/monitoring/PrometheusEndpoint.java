package io.github.dashboardmetrics.monitoring;

import org.apache.flink.configuration.Configuration;

/**
 * Flink's Prometheus reporter for a local run ({@code run --prometheus-port}): every metric of
 * the job manager, task manager and job, served at {@code http://HOST:PORT/metrics}. On a
 * cluster the reporter is configured in the cluster's own configuration instead, since a job
 * cannot add reporters to running processes.
 */
public final class PrometheusEndpoint {
    private PrometheusEndpoint() {}

    public static final String REPORTER_PREFIX = "metrics.reporter.prom.";
    public static final String FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /** Adds the reporter on {@code port} to {@code conf}. */
    public static void configure(Configuration conf, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--prometheus-port must be a port number 1-65535, got " + port);
        }
        conf.setString(REPORTER_PREFIX + "factory.class", FACTORY);
        conf.setString(REPORTER_PREFIX + "port", Integer.toString(port));
    }
}
