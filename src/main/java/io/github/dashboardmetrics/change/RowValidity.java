package io.github.dashboardmetrics.change;

import java.time.Instant;

/**
 * What a source row must look like to count at all. A row image outside these limits is invalid:
 * its change goes to the dead-letter table and the row counts as absent (its earlier image is
 * retracted) until a valid image arrives. {@code verify} applies the same limits in SQL, so the
 * recomputation and the job agree about such rows.
 *
 * <p>The limits are fixed, not relative to the clock, so that a replay decides exactly as the
 * first run did.
 */
public final class RowValidity {
    /** Event times (created_at, approved_at) before this are invalid. */
    public static final Instant EARLIEST_EVENT_TIME = Instant.parse("2000-01-01T00:00:00Z");
    /** Event times at or after this are invalid. */
    public static final Instant END_OF_EVENT_TIME = Instant.parse("2100-01-01T00:00:00Z");
    /** page_usage.pages_processed is an {@code integer} column; negative counts are invalid. */
    public static final long MAX_PAGES = Integer.MAX_VALUE;

    private RowValidity() {}

    /** Why an event time is invalid, or null when it is valid. */
    public static String eventTimeProblem(long epochMillis) {
        if (epochMillis < EARLIEST_EVENT_TIME.toEpochMilli() || epochMillis >= END_OF_EVENT_TIME.toEpochMilli()) {
            return "is outside [" + EARLIEST_EVENT_TIME + ", " + END_OF_EVENT_TIME + "): " + Instant.ofEpochMilli(epochMillis);
        }
        return null;
    }

    /** Why a page count is invalid, or null when it is valid. */
    public static String pagesProblem(long pages) {
        return pages < 0 || pages > MAX_PAGES ? "is outside [0, " + MAX_PAGES + "]: " + pages : null;
    }

    /** Why a cost is invalid, or null when it is valid (NaN and infinities are stored by PostgreSQL). */
    public static String costProblem(double cost) {
        return Double.isFinite(cost) ? null : "is not a finite number: " + cost;
    }
}
