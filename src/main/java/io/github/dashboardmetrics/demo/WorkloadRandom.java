package io.github.dashboardmetrics.demo;

import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The workload's only source of randomness. Everything the generator decides (which operation,
 * which row, which ids and values) is drawn from here, so a seed replays the same workload.
 * {@link Random} is used on purpose: its sequence for a seed is fixed by its specification.
 */
final class WorkloadRandom {
    private static final char[] ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Random random;

    WorkloadRandom(long seed) {
        this.random = new Random(seed);
    }

    /** A version-4 (random) UUID, as Django's uuid4 default gives, but from the seed. */
    UUID uuid() {
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low);
    }

    boolean chance(double probability) {
        return random.nextDouble() < probability;
    }

    /** Uniform in [0, 1). */
    double unit() {
        return random.nextDouble();
    }

    /** Uniform in [low, high], both inclusive. */
    int between(int low, int high) {
        return low + random.nextInt(high - low + 1);
    }

    /** Uniform in [0, bound). */
    long below(long bound) {
        return random.nextLong(bound);
    }

    <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    @SafeVarargs
    final <T> T pickOne(T... items) {
        return items[random.nextInt(items.length)];
    }

    /** Index i with probability weights[i] / sum(weights); weights are non-negative, sum positive. */
    int weightedIndex(double[] weights) {
        double total = 0;
        for (double weight : weights) {
            total += weight;
        }
        double point = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                last = i;
                point -= weights[i];
                if (point < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    String alphanumeric(int length) {
        return chars(ALPHANUMERIC, length);
    }

    String hex(int length) {
        return chars(HEX, length);
    }

    private String chars(char[] alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(out);
    }
}
