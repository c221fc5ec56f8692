package io.github.dashboardmetrics.bench;

/**
 * Paces a workload at a rate in ticks: each tick takes the changes due since the last one (the
 * fractions carried over, so the rate holds exactly over many ticks), then sleeps the rest of
 * the tick.
 */
final class RatePacer {
    private final int changesPerSecond;
    private final long tickNanos;
    private long last;
    private double carry;
    private long tickStart;

    RatePacer(int changesPerSecond, long tickMs, long startNanos) {
        this.changesPerSecond = changesPerSecond;
        this.tickNanos = tickMs * 1_000_000L;
        this.last = startNanos;
    }

    /** Begins a tick at {@code now}: the whole changes due since the last tick. */
    int due(long now) {
        tickStart = now;
        double due = changesPerSecond * (now - last) / 1e9 + carry;
        int count = (int) due;
        carry = due - count;
        last = now;
        return count;
    }

    /** Sleeps until the tick begun by the last {@link #due} ends. */
    void awaitNextTick() throws InterruptedException {
        long sleep = tickNanos - (System.nanoTime() - tickStart);
        if (sleep > 0) {
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
    }
}
