package io.github.dashboardmetrics.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Picks the event times of generated rows (created_at, approved_at): spread over the history
 * window so that many hour, day and month buckets are touched, partly "now-ish" so the live
 * dashboard moves, and now and then exactly on or just before an hour boundary, where an
 * off-by-one in bucketing would show.
 *
 * <p>All times are whole microseconds, PostgreSQL's precision, so the in-memory model holds the
 * same values as the database. The clock reading ("now") is passed in and never changes a
 * random draw: the same seed makes the same decisions whatever the wall-clock time.
 */
final class TimestampPicker {
    private static final long MICROS_PER_HOUR = Duration.ofHours(1).toNanos() / 1000;
    private static final double BOUNDARY_CHANCE = 0.08;

    private final WorkloadRandom random;
    private final long historyMicros;
    private final double recentFraction;

    TimestampPicker(WorkloadRandom random, int historyDays, double recentFraction) {
        this.random = random;
        this.historyMicros = Duration.ofDays(historyDays).toNanos() / 1000;
        this.recentFraction = recentFraction;
    }

    /** When a new fact happened: within the last hour, or anywhere in the history window. */
    Instant eventTime(Instant now) {
        boolean recent = random.chance(recentFraction);
        long span = recent ? MICROS_PER_HOUR : historyMicros;
        Instant time = micros(now).minus(random.below(span), ChronoUnit.MICROS);
        return maybeOnHourBoundary(time);
    }

    /** A time in [start, start + max], but not after now (unless start already is). */
    Instant shortlyAfter(Instant start, Duration max, Instant now) {
        Instant time = start.plus(random.below(max.toNanos() / 1000 + 1), ChronoUnit.MICROS);
        return notAfter(time, micros(now), start);
    }

    /** A time in [end - max, end]: for a row that is written late but happened earlier. */
    Instant shortlyBefore(Instant end, Duration max) {
        return end.minus(random.below(max.toNanos() / 1000 + 1), ChronoUnit.MICROS);
    }

    /** A review approval: minutes to days after creation, often in a later hour or day. */
    Instant approvalTime(Instant created, Instant now) {
        long delay = random.chance(0.5)
                ? random.below(Duration.ofHours(2).toNanos() / 1000)
                : random.below(Duration.ofDays(3).toNanos() / 1000);
        Instant time = created.plus(delay + 1, ChronoUnit.MICROS);
        return notAfter(time, micros(now), created.plus(1, ChronoUnit.MICROS));
    }

    /** {@code now} truncated to PostgreSQL's precision: the value of modified_at columns. */
    static Instant micros(Instant now) {
        return now.truncatedTo(ChronoUnit.MICROS);
    }

    private Instant maybeOnHourBoundary(Instant time) {
        if (!random.chance(BOUNDARY_CHANCE)) {
            return time;
        }
        Instant hourStart = time.truncatedTo(ChronoUnit.HOURS);
        // The first and the last microsecond of an hour bucket.
        return random.chance(0.5) ? hourStart : hourStart.minus(1, ChronoUnit.MICROS);
    }

    private static Instant notAfter(Instant time, Instant limit, Instant floor) {
        Instant capped = time.isAfter(limit) ? limit : time;
        return capped.isBefore(floor) ? floor : capped;
    }
}
