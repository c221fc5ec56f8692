package io.github.dashboardmetrics.monitoring;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;

/**
 * A metric reporter (Flink's plugin interface, like the Prometheus reporter) that keeps every
 * metric registered with a real metric registry, so a test can read the values an operator
 * reports. Metrics are found by their name and, when they have one, their rollup or source table.
 */
public final class CollectingReporter implements MetricReporter {
    private final Map<String, Metric> metrics = new ConcurrentHashMap<>();

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        metrics.put(key(tableOf(group), name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {}

    private static String tableOf(MetricGroup group) {
        Map<String, String> variables = group.getAllVariables();
        String table = variables.get("<" + JobMetrics.ROLLUP_TABLE + ">");
        return table != null ? table : variables.getOrDefault("<" + JobMetrics.SOURCE_TABLE + ">", "");
    }

    private static String key(String table, String name) {
        return table + "/" + name;
    }

    private Metric metric(String table, String name) {
        Metric metric = metrics.get(key(table, name));
        if (metric == null) {
            throw new AssertionError("no metric " + name + " for table '" + table + "'; registered: " + metrics.keySet());
        }
        return metric;
    }

    public long count(String table, String name) {
        Metric metric = metric(table, name);
        return metric instanceof Histogram ? ((Histogram) metric).getCount() : ((Counter) metric).getCount();
    }

    public Object gauge(String table, String name) {
        return ((Gauge<?>) metric(table, name)).getValue();
    }

    public boolean has(String table, String name) {
        return metrics.containsKey(key(table, name));
    }
}
