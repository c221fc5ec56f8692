package io.github.dashboardmetrics.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A workload at a steady rate on a thread of its own, until closed: the background of a
 * measurement that does something else meanwhile (kills and restarts the job). Each tick of
 * {@value #TICK_MS} ms commits the changes due since the last one in one transaction. A failure
 * stops the load; {@link #requireRunning} and {@link #close} report it.
 */
final class SteadyLoad implements AutoCloseable {
    static final long TICK_MS = 100;

    private final ChangeWorkload workload;
    private final Thread thread;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopping;

    /** Starts committing {@code changesPerSecond} through {@code workload}, which this load closes. */
    SteadyLoad(ChangeWorkload workload, int changesPerSecond) {
        this.workload = workload;
        this.thread = new Thread(() -> loop(changesPerSecond), "steady-load");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(int changesPerSecond) {
        try {
            RatePacer pacer = new RatePacer(changesPerSecond, TICK_MS, System.nanoTime());
            while (!stopping) {
                int count = pacer.due(System.nanoTime());
                if (count > 0) {
                    changes.addAndGet(workload.transaction(count, false, () -> { }));
                }
                pacer.awaitNextTick();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure.set(e);
        }
    }

    /** Row changes committed so far. */
    long changes() {
        return changes.get();
    }

    /** Throws what stopped the load, if something did. */
    void requireRunning() {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("the steady load failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws Exception {
        stopping = true;
        thread.join(30_000);
        if (thread.isAlive()) {
            throw new IllegalStateException("the steady load did not stop within 30 s");
        }
        workload.close();
        requireRunning();
    }
}
