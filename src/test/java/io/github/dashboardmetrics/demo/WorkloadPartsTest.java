package io.github.dashboardmetrics.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The generator's small parts, without a database. */
class WorkloadPartsTest {

    @Test
    void randomIsReproducibleAndMakesVersion4Uuids() {
        WorkloadRandom a = new WorkloadRandom(42);
        WorkloadRandom b = new WorkloadRandom(42);
        for (int i = 0; i < 100; i++) {
            UUID uuid = a.uuid();
            assertThat(uuid).isEqualTo(b.uuid());
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
        }
        assertThat(a.alphanumeric(16)).isEqualTo(b.alphanumeric(16)).matches("[a-z0-9]{16}");
    }

    @Test
    void weightedIndexNeverPicksAZeroWeight() {
        WorkloadRandom random = new WorkloadRandom(7);
        for (int i = 0; i < 1_000; i++) {
            assertThat(random.weightedIndex(new double[] {0, 3, 0, 1, 0})).isIn(1, 3);
        }
    }

    @Test
    void poolRemovesInPlaceAndPicksDeterministically() {
        Pool<String, String> pool = new Pool<>();
        for (String key : List.of("a", "b", "c", "d")) {
            pool.add(key, key.toUpperCase());
        }
        assertThat(pool.remove("b")).isEqualTo("B");
        assertThat(pool.remove("b")).isNull();
        assertThat(pool.values()).containsExactly("A", "D", "C");
        assertThat(pool.get("d")).isEqualTo("D");
        assertThat(pool.pickOtherThan("A", new WorkloadRandom(1))).isIn("C", "D");

        Pool<String, String> single = new Pool<>();
        single.add("x", "X");
        assertThat(single.pickOtherThan("X", new WorkloadRandom(1))).isNull();
        assertThat(new Pool<String, String>().pickOtherThan("X", new WorkloadRandom(1))).isNull();

        List<String> picks1 = new ArrayList<>();
        List<String> picks2 = new ArrayList<>();
        WorkloadRandom r1 = new WorkloadRandom(9);
        WorkloadRandom r2 = new WorkloadRandom(9);
        for (int i = 0; i < 20; i++) {
            picks1.add(pool.pick(r1));
            picks2.add(pool.pick(r2));
        }
        assertThat(picks1).isEqualTo(picks2);
    }

    @Test
    void eventTimesStayInTheHistoryWindowInWholeMicroseconds() {
        Instant now = Instant.parse("2025-05-05T12:34:56.789123456Z");
        TimestampPicker times = new TimestampPicker(new WorkloadRandom(3), 100, 0.3);
        int recent = 0;
        int onBoundary = 0;
        for (int i = 0; i < 5_000; i++) {
            Instant time = times.eventTime(now);
            assertThat(time).isBetween(now.minus(Duration.ofDays(100)).minus(Duration.ofHours(1)), now);
            assertThat(time.getNano() % 1_000).isZero();
            if (time.isAfter(now.minus(Duration.ofHours(1)))) {
                recent++;
            }
            if (time.equals(time.truncatedTo(ChronoUnit.HOURS))) {
                onBoundary++;
            }
        }
        assertThat(recent).isBetween(1_200, 1_800);
        assertThat(onBoundary).isPositive();
    }

    @Test
    void approvalsComeAfterCreationAndNotInTheFuture() {
        Instant now = Instant.parse("2025-05-05T12:00:00Z");
        TimestampPicker times = new TimestampPicker(new WorkloadRandom(5), 100, 0.3);
        for (int i = 0; i < 2_000; i++) {
            Instant created = times.eventTime(now);
            Instant approved = times.approvalTime(created, now);
            assertThat(approved).isAfter(created);
            assertThat(approved).isBeforeOrEqualTo(created.isBefore(now) ? now : created.plus(1, ChronoUnit.MICROS));
        }
    }
}
