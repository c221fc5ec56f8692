package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The rollup rows the spec says are right for a fixture. Each fixture row is followed by its
 * contributions, declared by hand (which organisation, metric, time and value the spec's rules
 * give it); this class only buckets them in UTC with java.time and sums them, independently of
 * the SQL under test. Buckets older than the job keeps are not written, as the job drops them.
 */
final class HandRollups {
    private final Map<Granularity, Instant> keptFrom = new EnumMap<>(Granularity.class);
    private final SortedMap<RollupKey, double[]> totals = new TreeMap<>();

    /** @param hourlyKeptFrom, dailyKeptFrom start of the oldest hour / day bucket the job keeps */
    HandRollups(Instant hourlyKeptFrom, Instant dailyKeptFrom) {
        keptFrom.put(Granularity.HOURLY, hourlyKeptFrom);
        keptFrom.put(Granularity.DAILY, dailyKeptFrom);
        keptFrom.put(Granularity.MONTHLY, Instant.MIN);
    }

    /** One counted source row. */
    HandRollups count(long orgId, Metric metric, String when) {
        return add(orgId, metric, when, 1);
    }

    /** One source row contributing {@code value} to a histogram (or 1 to a counter). */
    HandRollups add(long orgId, Metric metric, String when, double value) {
        Instant t = OffsetDateTime.parse(when).toInstant();
        for (Granularity g : Granularity.values()) {
            Instant bucket = bucketOf(g, t);
            if (!bucket.isBefore(keptFrom.get(g))) {
                double[] total = totals.computeIfAbsent(RollupKey.of(g, orgId, bucket, metric.metricName()),
                        k -> new double[2]);
                total[0] += value;
                total[1] += 1;
            }
        }
        return this;
    }

    int rows(Granularity g) {
        return rows(g, null);
    }

    /** Rows of one tier, of one organisation or (null) all. */
    int rows(Granularity g, Long orgId) {
        return (int) totals.keySet().stream()
                .filter(k -> k.granularity() == g && (orgId == null || orgId.equals(k.organizationId())))
                .count();
    }

    /** value and count of one row, e.g. for spot checks of the hand model. */
    double[] total(Granularity g, long orgId, String bucketStart, Metric metric) {
        return totals.get(RollupKey.of(g, orgId, Instant.parse(bucketStart), metric.metricName()));
    }

    /** Replaces the content of the three rollup tables with these rows. */
    void writeTo(Connection c) throws SQLException {
        RollupTables.clear(c);
        for (Map.Entry<RollupKey, double[]> e : totals.entrySet()) {
            RollupKey k = e.getKey();
            RollupTables.insert(c, k.granularity(), k.organizationId(), k.bucket(), k.metricName(),
                    Metric.fromMetricName(k.metricName()).type().sqlName(), e.getValue()[0], (long) e.getValue()[1],
                    RollupKey.DEFAULT_PROJECT, RollupKey.DEFAULT_TAG);
        }
    }

    private static Instant bucketOf(Granularity g, Instant t) {
        switch (g) {
            case HOURLY:
                return t.truncatedTo(ChronoUnit.HOURS);
            case DAILY:
                return t.truncatedTo(ChronoUnit.DAYS);
            default:
                return LocalDate.ofInstant(t, ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }
}
