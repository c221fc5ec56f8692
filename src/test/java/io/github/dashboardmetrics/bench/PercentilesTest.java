package io.github.dashboardmetrics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void nearestRank() {
        double[] values = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
        assertThat(Percentiles.of(values, 50)).isEqualTo(5);
        assertThat(Percentiles.of(values, 95)).isEqualTo(10);
        assertThat(Percentiles.of(values, 10)).isEqualTo(1);
        assertThat(Percentiles.of(values, 100)).isEqualTo(10);
        assertThat(Percentiles.of(new double[] {42}, 99)).isEqualTo(42);
        assertThat(values[0]).as("input left unsorted").isEqualTo(5);
    }

    @Test
    void emptyAndInvalid() {
        assertThat(Percentiles.of(new double[0], 50)).isNaN();
        assertThatThrownBy(() -> Percentiles.of(new double[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Percentiles.of(new double[] {1}, 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void slopeOfALine() {
        assertThat(Percentiles.slope(new double[] {0, 1, 2, 3}, new double[] {10, 12, 14, 16})).isCloseTo(2.0, within(1e-12));
        assertThat(Percentiles.slope(new double[] {1, 1}, new double[] {3, 5})).isZero();
        assertThat(Percentiles.slope(new double[] {1}, new double[] {3})).isZero();
    }

    @Test
    void sustainedVerdicts() {
        assertThat(RateSteps.sustained(1000, 990, true, 5, 10)).isEqualTo("sustained");
        assertThat(RateSteps.sustained(1000, 990, true, 50, 100)).as("trend without a median rise").isEqualTo("sustained");
        assertThat(RateSteps.sustained(1000, 990, true, 50, 400)).contains("lag growing");
        assertThat(RateSteps.sustained(1000, 990, false, 0, 0)).contains("not visible");
        assertThat(RateSteps.sustained(1000, 700, true, 0, 0)).startsWith("not reached");
    }

    @Test
    void celeryFreshnessFromTheSchedule() {
        assertThat(CeleryReplay.impliedFreshnessMs(50, 2.0)).isEqualTo(452_000.0);
        assertThat(CeleryReplay.impliedFreshnessMs(99, 0)).isCloseTo(891_000.0, within(1e-6));
    }

    @Test
    void idsMatchPostgresMd5Uuid() {
        // SELECT md5('wf:1')::uuid
        assertThat(BenchIds.md5Uuid("wf:1").toString().replace("-", ""))
                .isEqualTo(md5Hex("wf:1"));
        assertThat(BenchIds.organizationOfWorkflow(5)).isEqualTo(1);
        assertThat(BenchIds.organizationOfWorkflow(6)).isEqualTo(2);
        assertThat(BenchIds.organizationString(7)).isEqualTo("org_bench_000007");
    }

    private static String md5Hex(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : d) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
