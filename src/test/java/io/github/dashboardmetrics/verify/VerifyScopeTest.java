package io.github.dashboardmetrics.verify;

import static io.github.dashboardmetrics.rollup.Granularity.DAILY;
import static io.github.dashboardmetrics.rollup.Granularity.HOURLY;
import static io.github.dashboardmetrics.rollup.Granularity.MONTHLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class VerifyScopeTest {
    private static final Instant NOW = Instant.parse("2024-03-15T12:34:56Z");

    @Test
    void retentionSkipsTheOldestKeptBucketToo() {
        VerifyScope scope = VerifyScope.everything(NOW);

        // Horizons: 2024-02-14T12:00Z (30 days back, hour) and 2023-03-16 (365 days back, day).
        assertThat(scope.window(HOURLY)).isEqualTo(new BucketWindow(HOURLY, Instant.parse("2024-02-14T13:00:00Z"), null));
        assertThat(scope.window(DAILY)).isEqualTo(new BucketWindow(DAILY, Instant.parse("2023-03-17T00:00:00Z"), null));
        assertThat(scope.window(MONTHLY)).isEqualTo(new BucketWindow(MONTHLY, null, null));
        assertThat(scope.window(MONTHLY).describe()).isEqualTo("all buckets");
    }

    @Test
    void monthlyRetentionSkipsTheOldestKeptMonth() {
        VerifyScope scope = new VerifyScope(null, null, null, 30, 365, 40, NOW);

        // 40 days back is 2024-02-04: February is the oldest kept month, March the first compared.
        assertThat(scope.window(MONTHLY).fromInclusive()).isEqualTo(Instant.parse("2024-03-01T00:00:00Z"));
    }

    @Test
    void dayRangeCoversWholeDaysAndOverlappingMonths() {
        VerifyScope scope = new VerifyScope(null, LocalDate.parse("2024-03-10"), LocalDate.parse("2024-03-11"), 0, 0,
                0, NOW);

        assertThat(scope.window(HOURLY)).isEqualTo(new BucketWindow(HOURLY,
                Instant.parse("2024-03-10T00:00:00Z"), Instant.parse("2024-03-12T00:00:00Z")));
        assertThat(scope.window(DAILY)).isEqualTo(new BucketWindow(DAILY,
                Instant.parse("2024-03-10T00:00:00Z"), Instant.parse("2024-03-12T00:00:00Z")));
        assertThat(scope.window(MONTHLY)).isEqualTo(new BucketWindow(MONTHLY,
                Instant.parse("2024-03-01T00:00:00Z"), Instant.parse("2024-04-01T00:00:00Z")));
        assertThat(scope.window(MONTHLY).describe()).isEqualTo("from 2024-03 before 2024-04");
    }

    @Test
    void retentionAndDayRangeCombine() {
        VerifyScope scope = VerifyScope.everything(NOW).withDays(LocalDate.parse("2024-01-01"), LocalDate.parse("2024-02-20"));

        assertThat(scope.window(HOURLY).fromInclusive()).isEqualTo(Instant.parse("2024-02-14T13:00:00Z"));
        assertThat(scope.window(DAILY).fromInclusive()).isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
        assertThat(VerifyScope.everything(NOW).withDays(null, LocalDate.parse("2024-01-01")).window(HOURLY).isEmpty())
                .isTrue();
    }

    @Test
    void rejectsAnEmptyDayRangeAndNegativeRetention() {
        assertThatThrownBy(() -> VerifyScope.everything(NOW).withDays(LocalDate.parse("2024-03-02"),
                LocalDate.parse("2024-03-01"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2024-03-02");
        assertThatThrownBy(() -> new VerifyScope(null, null, null, -1, 0, 0, NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
