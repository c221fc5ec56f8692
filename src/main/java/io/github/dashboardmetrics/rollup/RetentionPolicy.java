package io.github.dashboardmetrics.rollup;

import java.io.Serializable;

/**
 * How many days of buckets each tier keeps (0 = unlimited). Older buckets are neither kept in
 * state nor written: Unstract's own cleanup (or the table's readers) no longer look at them.
 */
public record RetentionPolicy(int hourlyDays, int dailyDays, int monthlyDays) implements Serializable {
    public static final int DEFAULT_HOURLY_DAYS = 30;
    public static final int DEFAULT_DAILY_DAYS = 365;
    public static final int DEFAULT_MONTHLY_DAYS = 0;
    public static final RetentionPolicy DEFAULT =
            new RetentionPolicy(DEFAULT_HOURLY_DAYS, DEFAULT_DAILY_DAYS, DEFAULT_MONTHLY_DAYS);

    public RetentionPolicy {
        if (hourlyDays < 0 || dailyDays < 0 || monthlyDays < 0) {
            throw new IllegalArgumentException("retention days must be >= 0 (0 = unlimited)");
        }
    }

    public int days(Granularity g) {
        switch (g) {
            case HOURLY:
                return hourlyDays;
            case DAILY:
                return dailyDays;
            default:
                return monthlyDays;
        }
    }

    /** Start of the oldest retained bucket of {@code g} at {@code nowMillis}. */
    public long horizon(Granularity g, long nowMillis) {
        return g.retentionHorizon(nowMillis, days(g));
    }
}
