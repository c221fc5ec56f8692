package io.github.dashboardmetrics.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardCacheKeysTest {
    private static final long HOUR = Instant.parse("2026-01-05T07:00:00Z").toEpochMilli();
    private static final long NEXT_HOUR = HOUR + 3_600_000L;
    private static final DashboardCacheKeys KEYS = new DashboardCacheKeys(DashboardCacheKeys.DEFAULT_PREFIX);

    private static RollupRow row(Granularity g, long org, String metric, long bucket, long count) {
        return new RollupRow(g, org, metric, "counter", bucket, count, count, 0);
    }

    @Test
    void formatsKeysExactlyAsUnstractsCacheDoes() {
        // cache.py: f"{CACHE_PREFIX}:bucket:{granularity}:{org_id}:{bucket_ts.strftime('%Y-%m-%dT%H:00:00')}[:{metric}]"
        assertThat(KEYS.hour(42, HOUR)).isEqualTo("dashboard_metrics:bucket:hourly:42:2026-01-05T07:00:00");
        assertThat(KEYS.hourOfMetric(42, HOUR, "llm_calls"))
                .isEqualTo("dashboard_metrics:bucket:hourly:42:2026-01-05T07:00:00:llm_calls");
        assertThat(new DashboardCacheKeys("staging:dashboard_metrics:").hour(7, 0))
                .isEqualTo("staging:dashboard_metrics:bucket:hourly:7:1970-01-01T00:00:00");
    }

    @Test
    void theHourIsUtcWhateverTheDefaultTimeZone() {
        java.util.TimeZone saved = java.util.TimeZone.getDefault();
        try {
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Asia/Kolkata"));
            assertThat(KEYS.hour(1, HOUR)).endsWith(":2026-01-05T07:00:00");
        } finally {
            java.util.TimeZone.setDefault(saved);
        }
    }

    @Test
    void aWrittenHourMakesItsAllMetricsKeyAndOnlyTheWrittenMetricsKeysStale() {
        List<RollupRow> batch = List.of(
                row(Granularity.HOURLY, 42, "llm_calls", HOUR, 3),
                row(Granularity.HOURLY, 42, "llm_usage", HOUR, 0), // a delete makes them stale too
                row(Granularity.HOURLY, 7, "pages_processed", NEXT_HOUR, 1),
                row(Granularity.DAILY, 42, "llm_calls", HOUR - 7 * 3_600_000L, 3), // not cached by Unstract
                row(Granularity.MONTHLY, 42, "llm_calls", HOUR - 7 * 3_600_000L, 3));
        assertThat(KEYS.staleAfter(batch)).containsExactly(
                "dashboard_metrics:bucket:hourly:42:2026-01-05T07:00:00",
                "dashboard_metrics:bucket:hourly:42:2026-01-05T07:00:00:llm_calls",
                "dashboard_metrics:bucket:hourly:42:2026-01-05T07:00:00:llm_usage",
                "dashboard_metrics:bucket:hourly:7:2026-01-05T08:00:00",
                "dashboard_metrics:bucket:hourly:7:2026-01-05T08:00:00:pages_processed");
    }
}
