package io.github.dashboardmetrics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RatePacerTest {
    /** Ticks of uneven length (a transaction can run over its tick): the rate holds over all of them. */
    @Test
    void changesDueOverUnevenTicksAddUpToTheRate() {
        long seed = System.nanoTime();
        System.out.println("RatePacerTest seed " + seed);
        Random random = new Random(seed);
        for (int rate : new int[] {1, 7, 250, 1_000, 32_000}) {
            long start = random.nextLong() & 0xffffffffffL;
            RatePacer pacer = new RatePacer(rate, 10, start);
            long now = start;
            long total = 0;
            for (int tick = 0; tick < 5_000; tick++) {
                now += 1 + random.nextInt(40_000_000); // up to 40 ms
                int due = pacer.due(now);
                assertThat(due).as("rate %d, seed %d", rate, seed).isNotNegative();
                total += due;
            }
            double exact = rate * (now - start) / 1e9;
            // whole changes only: the fraction still carried is below one
            assertThat(exact - total).as("rate %d, seed %d", rate, seed).isGreaterThanOrEqualTo(-1e-6).isLessThan(1.0 + 1e-6);
        }
    }
}
