package io.github.dashboardmetrics.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rollup's cached horizons against {@link RetentionPolicy#horizon}, computed every time. */
class RetentionHorizonsTest {
    @Test
    void everyTierGivesTheComputedHorizonAtEveryTimeAcrossBucketAndMonthBoundaries() {
        long seed = System.nanoTime();
        System.out.println("RetentionHorizonsTest seed " + seed);
        Random random = new Random(seed);
        RetentionPolicy[] policies = {RetentionPolicy.DEFAULT, new RetentionPolicy(1, 31, 400), new RetentionPolicy(0, 0, 0),
                new RetentionPolicy(2, 1, 29)};
        for (RetentionPolicy policy : policies) {
            RetentionHorizons horizons = new RetentionHorizons(policy);
            // Mostly forward in small steps (as processing time moves), across many hours, days and
            // month ends; now and then a jump back (a clock set back) or far ahead.
            long now = Instant.parse("2024-01-30T22:59:59.990Z").toEpochMilli();
            for (int i = 0; i < 200_000; i++) {
                int move = random.nextInt(100);
                if (move == 0) {
                    now -= random.nextInt(5 * 86_400_000);
                } else if (move == 1) {
                    now += random.nextLong(90L * 86_400_000);
                } else {
                    now += random.nextInt(120_000);
                }
                for (Granularity g : Granularity.values()) {
                    assertThat(horizons.of(g, now)).as("%s %s at %s (seed %d)", policy, g, Instant.ofEpochMilli(now), seed)
                            .isEqualTo(policy.horizon(g, now));
                }
            }
        }
    }

    @Test
    void theEdgesOfAHorizonsSpan() {
        RetentionPolicy policy = new RetentionPolicy(30, 365, 60);
        RetentionHorizons horizons = new RetentionHorizons(policy);
        long marchFirst = Instant.parse("2024-03-01T00:00:00Z").toEpochMilli();
        long atMonthChange = marchFirst + 60L * 86_400_000; // now - 60 days is March 1st 00:00
        for (long now : new long[] {atMonthChange - 1, atMonthChange, atMonthChange - 1, atMonthChange + 1}) {
            assertThat(horizons.of(Granularity.MONTHLY, now)).isEqualTo(policy.horizon(Granularity.MONTHLY, now));
        }
        assertThat(horizons.of(Granularity.MONTHLY, atMonthChange)).isEqualTo(marchFirst);
        assertThat(horizons.of(Granularity.MONTHLY, atMonthChange - 1))
                .isEqualTo(Instant.parse("2024-02-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void theNextBucketStartIsOneHourDayOrCalendarMonthLater() {
        long feb = Instant.parse("2024-02-01T00:00:00Z").toEpochMilli();
        assertThat(Granularity.MONTHLY.nextBucketStart(feb)).isEqualTo(Instant.parse("2024-03-01T00:00:00Z").toEpochMilli());
        long dec = Instant.parse("2023-12-01T00:00:00Z").toEpochMilli();
        assertThat(Granularity.MONTHLY.nextBucketStart(dec)).isEqualTo(Instant.parse("2024-01-01T00:00:00Z").toEpochMilli());
        assertThat(Granularity.DAILY.nextBucketStart(feb)).isEqualTo(Instant.parse("2024-02-02T00:00:00Z").toEpochMilli());
        assertThat(Granularity.HOURLY.nextBucketStart(feb)).isEqualTo(Instant.parse("2024-02-01T01:00:00Z").toEpochMilli());
    }
}
