package io.github.dashboardmetrics.source;

import java.time.LocalDate;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.format.DateTimeParseException;

/**
 * Epoch milliseconds of the ISO-8601 timestamps with time zone that Debezium writes for
 * {@code timestamptz} columns ({@code io.debezium.time.ZonedTimestamp}: UTC, {@code Z}, 0 to 9
 * fraction digits). {@code OffsetDateTime.parse} was 5 % of the job's CPU samples in the snapshot;
 * that exact shape is read here directly, anything else (another offset, no seconds, a value out
 * of range) goes to {@code OffsetDateTime.parse} as before, with the same result or the same error.
 */
final class IsoTimestamps {
    private IsoTimestamps() {}

    /** Like {@code OffsetDateTime.parse(s).toInstant().toEpochMilli()}: floors to the millisecond. */
    static long epochMillis(String s) throws DateTimeParseException {
        int n = s.length();
        if (n >= 20 && n <= 30 && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-'
                && s.charAt(10) == 'T' && s.charAt(13) == ':' && s.charAt(16) == ':') {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            int millis = fractionMillis(s, n);
            if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23 && minute >= 0
                    && minute <= 59 && second >= 0 && second <= 59 && millis >= 0
                    && day <= Month.of(month).length(Year.isLeap(year))) {
                long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
                return seconds * 1_000L + millis;
            }
        }
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
    }

    /** The digits s[from, from + count) as a number, or -1 if one is not a digit. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The milliseconds of the fraction between the seconds and the Z (0 without one), or -1 if it is not 1-9 digits. */
    private static int fractionMillis(String s, int n) {
        if (n == 20) {
            return 0;
        }
        if (s.charAt(19) != '.' || n < 22) {
            return -1;
        }
        int millis = 0;
        for (int i = 20; i < n - 1; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (i < 23) {
                millis = millis * 10 + (c - '0');
            }
        }
        for (int i = Math.min(n - 1, 23); i < 23; i++) {
            millis *= 10; // fewer than 3 digits: .5 is 500 ms
        }
        return millis;
    }
}
