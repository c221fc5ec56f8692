package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.RetentionPolicy;

import io.github.dashboardmetrics.rollup.Granularity;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;

/**
 * Which rollup rows {@code verify} compares.
 *
 * @param orgId organisation ({@code organization.id}); {@code null} = all organisations
 * @param from first UTC day, inclusive; {@code null} = no lower bound
 * @param to last UTC day, inclusive; {@code null} = no upper bound. Hour and day buckets are
 *     compared when their UTC date is in {@code [from, to]}, month buckets when the month
 *     overlaps it.
 * @param hourlyRetentionDays days of hourly buckets the job keeps ({@code 0} = unlimited)
 * @param dailyRetentionDays days of daily buckets the job keeps ({@code 0} = unlimited)
 * @param monthlyRetentionDays days of monthly buckets the job keeps ({@code 0} = unlimited)
 * @param now the clock the retention horizons are computed from
 */
public record VerifyScope(Long orgId, LocalDate from, LocalDate to, int hourlyRetentionDays,
        int dailyRetentionDays, int monthlyRetentionDays, Instant now) {

    public static final int DEFAULT_HOURLY_RETENTION_DAYS = RetentionPolicy.DEFAULT_HOURLY_DAYS;
    public static final int DEFAULT_DAILY_RETENTION_DAYS = RetentionPolicy.DEFAULT_DAILY_DAYS;
    public static final int DEFAULT_MONTHLY_RETENTION_DAYS = RetentionPolicy.DEFAULT_MONTHLY_DAYS;

    public VerifyScope {
        Objects.requireNonNull(now, "now");
        if (from != null && to != null && from.isAfter(to)) {
            throw new IllegalArgumentException("from (" + from + ") must not be after to (" + to + ")");
        }
        if (hourlyRetentionDays < 0 || dailyRetentionDays < 0 || monthlyRetentionDays < 0) {
            throw new IllegalArgumentException("retention days must be >= 0 (0 = unlimited)");
        }
    }

    /** Every organisation and day, with the default retention of the job. */
    public static VerifyScope everything(Instant now) {
        return new VerifyScope(null, null, null, DEFAULT_HOURLY_RETENTION_DAYS, DEFAULT_DAILY_RETENTION_DAYS,
                DEFAULT_MONTHLY_RETENTION_DAYS, now);
    }

    public VerifyScope withOrg(Long organizationId) {
        return new VerifyScope(organizationId, from, to, hourlyRetentionDays, dailyRetentionDays,
                monthlyRetentionDays, now);
    }

    public VerifyScope withDays(LocalDate firstDay, LocalDate lastDay) {
        return new VerifyScope(orgId, firstDay, lastDay, hourlyRetentionDays, dailyRetentionDays,
                monthlyRetentionDays, now);
    }

    public int retentionDays(Granularity g) {
        switch (g) {
            case HOURLY:
                return hourlyRetentionDays;
            case DAILY:
                return dailyRetentionDays;
            case MONTHLY:
                return monthlyRetentionDays;
            default:
                throw new AssertionError(g);
        }
    }

    /** The buckets of {@code g} to compare: inside the day range and retained by the job. */
    public BucketWindow window(Granularity g) {
        Instant lower = null;
        Instant upper = null;
        int retentionDays = retentionDays(g);
        if (retentionDays > 0) {
            Instant oldestRetained = Instant.ofEpochMilli(g.retentionHorizon(now.toEpochMilli(), retentionDays));
            // The oldest retained bucket is skipped as well: the job read its clock at another
            // moment than we do, so that bucket may just be being dropped (or not yet).
            lower = UtcBuckets.next(g, oldestRetained);
        }
        if (from != null) {
            Instant firstBucket = UtcBuckets.startOf(g, UtcBuckets.startOfDay(from));
            lower = lower == null || firstBucket.isAfter(lower) ? firstBucket : lower;
        }
        if (to != null) {
            // Up to and including the bucket that holds the last moment of `to`.
            Instant lastMoment = UtcBuckets.startOfDay(to.plusDays(1)).minusMillis(1);
            upper = UtcBuckets.next(g, UtcBuckets.startOf(g, lastMoment));
        }
        return new BucketWindow(g, lower, upper);
    }

    /** One line for the report, e.g. {@code org 7, days 2024-03-01..2024-03-31}. */
    public String describe() {
        String orgs = orgId == null ? "all organisations" : "organisation " + orgId;
        String days = from == null && to == null ? "all days"
                : "days " + (from == null ? "" : from) + ".." + (to == null ? "" : to);
        return orgs + ", " + days + ", retention hourly " + retention(hourlyRetentionDays) + ", daily "
                + retention(dailyRetentionDays) + ", monthly " + retention(monthlyRetentionDays) + ", now " + now;
    }

    private static String retention(int retentionDays) {
        return retentionDays == 0 ? "unlimited" : retentionDays + "d";
    }
}
