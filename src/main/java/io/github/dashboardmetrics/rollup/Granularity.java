package io.github.dashboardmetrics.rollup;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/** The three rollup tiers: UTC hour, day and month buckets, and the table each is written to. */
public enum Granularity {
    HOURLY("event_metrics_hourly", "timestamp"),
    DAILY("event_metrics_daily", "date"),
    MONTHLY("event_metrics_monthly", "month");

    private final String table;
    private final String bucketColumn;

    Granularity(String table, String bucketColumn) {
        this.table = table;
        this.bucketColumn = bucketColumn;
    }

    public String table() {
        return table;
    }

    /** The tier's table in {@code schema}, both names double-quoted, for SQL. */
    public String tableIn(String schema) {
        return "\"" + schema + "\".\"" + table + "\"";
    }

    /** The bucket column: {@code timestamp} (timestamptz), {@code date} or {@code month} (date). */
    public String bucketColumn() {
        return bucketColumn;
    }

    /** Start of the UTC bucket holding {@code epochMillis}, as epoch millis. */
    public long bucketStart(long epochMillis) {
        switch (this) {
            case HOURLY:
                return Math.floorDiv(epochMillis, 3_600_000L) * 3_600_000L;
            case DAILY:
                return Math.floorDiv(epochMillis, 86_400_000L) * 86_400_000L;
            case MONTHLY:
                ZonedDateTime t = Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC);
                return t.toLocalDate().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            default:
                throw new AssertionError(this);
        }
    }

    /** Start of the bucket after the one starting at {@code bucketStartMillis}. */
    public long nextBucketStart(long bucketStartMillis) {
        switch (this) {
            case HOURLY:
                return bucketStartMillis + 3_600_000L;
            case DAILY:
                return bucketStartMillis + 86_400_000L;
            case MONTHLY:
                return Instant.ofEpochMilli(bucketStartMillis).atZone(ZoneOffset.UTC).plusMonths(1).toInstant().toEpochMilli();
            default:
                throw new AssertionError(this);
        }
    }

    /** The UTC date of a DAILY or MONTHLY bucket start (what the {@code date} column holds). */
    public static LocalDate utcDate(long bucketStartMillis) {
        return Instant.ofEpochMilli(bucketStartMillis).atZone(ZoneOffset.UTC).toLocalDate();
    }

    /**
     * A bucket start as the JDBC parameter its column takes: a UTC {@code timestamptz} for the
     * hourly table, the UTC {@code date} for the daily and monthly ones.
     */
    public Object bucketParameter(long bucketStartMillis) {
        return this == HOURLY
                ? java.time.OffsetDateTime.ofInstant(Instant.ofEpochMilli(bucketStartMillis), ZoneOffset.UTC)
                : utcDate(bucketStartMillis);
    }

    /**
     * Start of the oldest bucket of this tier that is still kept, given a retention in days
     * ({@code <= 0} means unlimited: returns {@link Long#MIN_VALUE}). A bucket is retained when
     * its start is at or after this instant.
     */
    public long retentionHorizon(long nowMillis, int retentionDays) {
        if (retentionDays <= 0) {
            return Long.MIN_VALUE;
        }
        long cutoff = Instant.ofEpochMilli(nowMillis).minus(retentionDays, ChronoUnit.DAYS).toEpochMilli();
        return bucketStart(cutoff);
    }
}
