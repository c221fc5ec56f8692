package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.demo.WorkloadGenerator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps a workload writing changes, one step after the other, on a thread of its own until
 * {@link #close()}: the load under which a fault is injected. The generator must not be used by
 * anyone else meanwhile.
 */
final class BackgroundWorkload implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    private BackgroundWorkload(WorkloadGenerator workload) {
        thread = new Thread(() -> {
            try {
                while (running) {
                    changes.addAndGet(workload.step());
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "background-workload");
        thread.setDaemon(true);
    }

    static BackgroundWorkload start(WorkloadGenerator workload) {
        BackgroundWorkload background = new BackgroundWorkload(workload);
        background.thread.start();
        return background;
    }

    /** Row changes committed so far; fails if the workload stopped on an error. */
    long changes() {
        Throwable error = failure.get();
        if (error != null) {
            throw new IllegalStateException("the background workload failed", error);
        }
        return changes.get();
    }

    /** Stops after the current step; fails if the workload had failed. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
        changes();
    }
}
