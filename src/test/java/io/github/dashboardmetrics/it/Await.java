package io.github.dashboardmetrics.it;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes: never a sleep standing in for a condition. */
final class Await {
    private Await() {}

    /** Returns the last value once {@code done} accepts it; fails with the last value at the deadline. */
    static <T> T until(String what, Duration timeout, Callable<T> probe, java.util.function.Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = probe.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last: " + last);
            }
            Thread.sleep(250); // poll interval, not a stand-in for the condition
            last = probe.call();
        }
        return last;
    }
}
