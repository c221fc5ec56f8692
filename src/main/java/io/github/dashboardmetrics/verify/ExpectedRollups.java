package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The oracle: recomputes the rollup rows from the source tables, server-side and set-based, in
 * one query per tier. The facts of every metric ({@link MetricFacts}) are combined with UNION ALL
 * and the outer query buckets them in UTC and sums them; the scope's filters go into that outer
 * WHERE, which PostgreSQL pushes down into each branch.
 */
final class ExpectedRollups {
    private static final int FETCH_SIZE = 10_000;

    private final String quotedSchema;
    private final Set<Metric> metrics;

    private ExpectedRollups(String schema, Set<Metric> metrics) {
        this.quotedSchema = SqlNames.quoted(schema);
        this.metrics = Collections.unmodifiableSet(metrics);
    }

    /** The recomputation for the source tables in {@code schema}, as far as they exist there. */
    static ExpectedRollups inspect(Connection source, String schema) throws SQLException {
        Set<Metric> metrics = EnumSet.allOf(Metric.class);
        if (!tableExists(source, schema, "hitl_queue")) {
            metrics.removeAll(MetricFacts.HITL_QUEUE_METRICS);
        }
        return new ExpectedRollups(schema, metrics);
    }

    /** The metrics that are recomputed: all 12, or 10 without {@code hitl_queue}. */
    Set<Metric> metrics() {
        return metrics;
    }

    /** Every (organisation, bucket, metric) of {@code g} in the window with at least one source row. */
    List<RollupEntry> compute(Connection source, Granularity g, BucketWindow window, Long orgId) throws SQLException {
        SqlFilter filter = new SqlFilter()
                .always("f.organization_id IS NOT NULL")
                .whenPresent("f.organization_id = ?", orgId)
                .whenPresent("f.event_time >= ?", atUtc(window.fromInclusive()))
                .whenPresent("f.event_time < ?", atUtc(window.toExclusive()));
        List<RollupEntry> rows = new ArrayList<>();
        try (PreparedStatement statement = source.prepareStatement(query(g, filter))) {
            statement.setFetchSize(FETCH_SIZE);
            filter.bind(statement);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    Metric metric = Metric.fromMetricName(rs.getString("metric_name"));
                    RollupKey key = RollupKey.of(g, rs.getLong("organization_id"),
                            rs.getObject("bucket", LocalDateTime.class).toInstant(ZoneOffset.UTC),
                            metric.metricName());
                    rows.add(new RollupEntry(key, new RollupValue(metric.type().sqlName(),
                            rs.getDouble("metric_value"), rs.getLong("metric_count"))));
                }
            }
        }
        return rows;
    }

    /** The recomputation of one tier; the bucket is a UTC wall-clock {@code timestamp}. */
    String query(Granularity g, SqlFilter filter) {
        String facts = metrics.stream()
                .map(m -> "SELECT '" + m.metricName() + "' AS metric_name, m.organization_id, m.event_time, m.value\n"
                        + "FROM (\n" + MetricFacts.select(m, quotedSchema) + "\n) AS m")
                .collect(Collectors.joining("\nUNION ALL\n"));
        return "SELECT f.organization_id, date_trunc('" + truncationUnit(g) + "', f.event_time AT TIME ZONE 'UTC') AS bucket,\n"
                + "       f.metric_name, sum(f.value) AS metric_value, count(*) AS metric_count\n"
                + "FROM (\n" + facts + "\n) AS f\n"
                + filter.whereClause() + "\n"
                + "GROUP BY f.organization_id, bucket, f.metric_name";
    }

    /** A timestamptz parameter, or null for an open window end. */
    private static OffsetDateTime atUtc(Instant bound) {
        return bound == null ? null : bound.atOffset(ZoneOffset.UTC);
    }

    private static String truncationUnit(Granularity g) {
        switch (g) {
            case HOURLY:
                return "hour";
            case DAILY:
                return "day";
            case MONTHLY:
                return "month";
            default:
                throw new AssertionError(g);
        }
    }

    private static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
            statement.setString(1, schema);
            statement.setString(2, table);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }
}
