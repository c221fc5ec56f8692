package io.github.dashboardmetrics.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rollup's fast sum against what it stands for: {@code new BigDecimal(v)} of every addend added to zero. */
class ExactSumTest {
    /** Each addend of {@code values}, as the rollup summed them before there was a fast path. */
    private static BigDecimal reference(double... values) {
        BigDecimal sum = BigDecimal.ZERO;
        for (double v : values) {
            sum = sum.add(new BigDecimal(v));
        }
        return sum;
    }

    private static ExactSum sumOf(double... values) {
        ExactSum sum = new ExactSum();
        for (double v : values) {
            sum.add(v);
        }
        return sum;
    }

    @Test
    void wholeNumbersFractionsAndLongOverflowGiveTheReferenceSumScaleIncluded() {
        double[][] cases = {
            {},
            {1, 2, 3},
            {-0.0, 0.0},
            {5, -5},
            {0.1, 0.2},
            {3, 0.1, 4, -0.1},
            {0x1p62, 0x1p62, 0x1p62}, // the long would overflow on the second
            {-0x1p62, -0x1p62, -0x1p62},
            {0x1p63, 1}, // whole, but past the fast path
            {1e300, -1e300, 7},
            {Double.MIN_VALUE, 1},
        };
        for (double[] values : cases) {
            ExactSum sum = sumOf(values);
            // equals, not compareTo: the scale is part of the state the rollup writes
            assertThat(sum.value()).as(java.util.Arrays.toString(values)).isEqualTo(reference(values));
            assertThat(sum.signum()).isEqualTo(reference(values).signum());
        }
    }

    @Test
    void randomSumsAndSumsOfSumsGiveTheReferenceSum() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("ExactSumTest seed " + seed + " (rerun with -Dseed=" + seed + ")");
        Random random = new Random(seed);
        for (int round = 0; round < 2_000; round++) {
            int n = random.nextInt(20);
            double[] left = new double[n];
            double[] right = new double[random.nextInt(20)];
            for (double[] values : new double[][] {left, right}) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = switch (random.nextInt(5)) {
                        case 0 -> random.nextInt(1000) - 500;
                        case 1 -> Math.round(random.nextGaussian() * 1e6) / 1e6; // a cost
                        case 2 -> (random.nextBoolean() ? 1 : -1) * (double) (Long.MAX_VALUE >> random.nextInt(4));
                        case 3 -> 0.0;
                        default -> random.nextInt(3);
                    };
                }
            }
            ExactSum l = sumOf(left);
            ExactSum r = sumOf(right);
            assertThat(l.value()).as("seed %d round %d", seed, round).isEqualTo(reference(left));
            l.add(r);
            double[] both = new double[left.length + right.length];
            System.arraycopy(left, 0, both, 0, left.length);
            System.arraycopy(right, 0, both, left.length, right.length);
            assertThat(l.value()).as("seed %d round %d, merged", seed, round).isEqualTo(reference(both));
        }
    }

    @Test
    void nanAndInfinityAreRefusedAsBigDecimalRefusesThem() {
        assertThatThrownBy(() -> sumOf(1, Double.NaN)).isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> sumOf(Double.POSITIVE_INFINITY)).isInstanceOf(NumberFormatException.class);
    }
}
