package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast reading of Debezium's timestamps gives what {@code OffsetDateTime.parse} gives, error or value. */
class IsoTimestampsTest {
    @Test
    void debeziumsUtcTimestampsWithAnyFractionReadAsOffsetDateTimeReadsThem() {
        long seed = System.nanoTime();
        System.out.println("IsoTimestampsTest seed " + seed);
        Random random = new Random(seed);
        long from = Instant.parse("1900-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(from + (long) (random.nextDouble() * (to - from)), random.nextInt(1_000_000_000));
            int digits = random.nextInt(10);
            String text = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss" + (digits == 0 ? "" : "." + "S".repeat(digits)) + "'Z'")
                    .withZone(ZoneOffset.UTC).format(t);
            assertThat(IsoTimestamps.epochMillis(text)).as(text).isEqualTo(expected(text));
        }
    }

    @Test
    void anythingElseIsReadOrRefusedExactlyAsBefore() {
        int refused = 0;
        for (String text : List.of("2026-01-05T07:30:00+02:00", "2026-01-05T07:30Z", "2026-01-05T07:30:00.5Z",
                "2024-02-29T23:59:59.999999999Z", "1969-12-31T23:59:59.9995Z", "2026-01-05T07:30:00-00:30",
                "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
                "2026-01-05T24:00:00Z", "2026-01-05T23:60:00Z", "2026-01-05T23:59:60Z", "2026-01-05T07:30:00.Z",
                "2026-01-05T07:30:00.1234567890Z", "2026-01-05t07:30:00Z", "2026-01-05T07:30:00z", "2026-01-05 07:30:00Z",
                "2026-1-05T07:30:00Z", "+2026-01-05T07:30:00Z", "2026-01-05T07:3a:00Z", "", "now")) {
            Long before;
            try {
                before = expected(text);
            } catch (DateTimeParseException e) {
                before = null;
                refused++;
            }
            if (before == null) {
                assertThatThrownBy(() -> IsoTimestamps.epochMillis(text)).as(text).isInstanceOf(DateTimeParseException.class);
            } else {
                assertThat(IsoTimestamps.epochMillis(text)).as(text).isEqualTo(before);
            }
        }
        assertThat(refused).as("malformed or out-of-range texts among them").isGreaterThanOrEqualTo(10);
    }

    private static long expected(String text) {
        return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    }
}
