package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.demo.WorkloadGenerator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps a workload writing changes, one step after the other, on a thread of its own until
 * {@link #close()}: the load under which a fault is injected. The generator (or whatever the step
 * writes with) must not be used by anyone else meanwhile.
 */
final class BackgroundWorkload implements AutoCloseable {
    /** One step of a load: what it wrote (row changes, transactions...). */
    interface Step {
        long run() throws Exception;
    }

    private final Thread thread;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    private BackgroundWorkload(String name, Step step) {
        thread = new Thread(() -> {
            try {
                while (running) {
                    changes.addAndGet(step.run());
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        thread.setDaemon(true);
    }

    static BackgroundWorkload start(WorkloadGenerator workload) {
        return start("background-workload", workload::step);
    }

    /** Runs {@code step} over and over on a thread named {@code name}. */
    static BackgroundWorkload start(String name, Step step) {
        BackgroundWorkload background = new BackgroundWorkload(name, step);
        background.thread.start();
        return background;
    }

    /** What the steps wrote so far (row changes, for a workload); fails if the workload stopped on an error. */
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
