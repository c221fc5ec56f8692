package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** Java-side arithmetic on UTC bucket starts, which {@link Granularity} does on epoch millis. */
final class UtcBuckets {
    private UtcBuckets() {}

    /** Start of the bucket holding {@code t}. */
    static Instant startOf(Granularity g, Instant t) {
        return Instant.ofEpochMilli(g.bucketStart(t.toEpochMilli()));
    }

    /** Start of the bucket after the one starting at {@code bucketStart}. */
    static Instant next(Granularity g, Instant bucketStart) {
        return Instant.ofEpochMilli(g.nextBucketStart(bucketStart.toEpochMilli()));
    }

    /** First moment of a UTC day. */
    static Instant startOfDay(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** How a bucket is shown to people: the hour instant, the day, or the month. */
    static String format(Granularity g, Instant bucketStart) {
        switch (g) {
            case HOURLY:
                return bucketStart.toString();
            case DAILY:
                return LocalDate.ofInstant(bucketStart, ZoneOffset.UTC).toString();
            case MONTHLY:
                return YearMonth.from(bucketStart.atZone(ZoneOffset.UTC)).toString();
            default:
                throw new AssertionError(g);
        }
    }
}
