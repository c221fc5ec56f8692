package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The Redis keys under which Unstract's dashboard caches one organisation's hour of
 * {@code event_metrics_hourly} (Unstract's {@code dashboard_metrics/cache.py},
 * {@code _build_bucket_key}): {@code <prefix>bucket:hourly:<organization.id>:<YYYY-MM-DDTHH:00:00>}
 * holds all the hour's rows, and the same key with {@code :<metric_name>} appended holds only the
 * rows of that metric (a request filtered by metric). The hour is the UTC bucket start, written
 * without an offset. Unstract caches daily and monthly buckets nowhere, so only hourly rows make
 * keys stale.
 *
 * <p>Which per-metric keys a write makes stale: only the written metric's. A per-metric key holds
 * {@code filter(metric_name=...)} of that hour, so a row of {@code llm_calls} cannot change what
 * the {@code pages_processed} key holds; deleting all 12 variants would only make the dashboard
 * recompute hours that did not change.
 */
public final class DashboardCacheKeys implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Unstract's {@code CACHE_PREFIX} and its separator. */
    public static final String DEFAULT_PREFIX = "dashboard_metrics:";
    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:00:00").withZone(ZoneOffset.UTC);

    private final String prefix;

    public DashboardCacheKeys(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** The key of all the rows of one organisation's hour. */
    public String hour(long orgId, long hourStartMs) {
        return prefix + "bucket:hourly:" + orgId + ":" + HOUR.format(Instant.ofEpochMilli(hourStartMs));
    }

    /** The key of one metric's rows of one organisation's hour. */
    public String hourOfMetric(long orgId, long hourStartMs, String metricName) {
        return hour(orgId, hourStartMs) + ":" + metricName;
    }

    /**
     * The keys that hold stale values once {@code rows} are committed: for every hourly row, its
     * hour's key and its metric's key (each once, in the order first met). Other tiers: none.
     */
    public Set<String> staleAfter(Collection<RollupRow> rows) {
        Set<String> keys = new LinkedHashSet<>();
        for (RollupRow row : rows) {
            if (row.granularity == Granularity.HOURLY) {
                keys.add(hour(row.orgId, row.bucketStart));
                keys.add(hourOfMetric(row.orgId, row.bucketStart, row.metricName));
            }
        }
        return keys;
    }
}
