package io.github.dashboardmetrics.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * Single background threads with a name (what a thread dump or a profile shows) that never keep
 * the JVM alive on their own: their owners shut them down, and a command that ends early (an
 * error, exit 2) must not hang on them.
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    /** One daemon thread named {@code name}, running tasks in order. */
    public static ExecutorService single(String name) {
        return Executors.newSingleThreadExecutor(named(name));
    }

    /** One daemon thread named {@code name}, running scheduled tasks. */
    public static ScheduledExecutorService scheduled(String name) {
        return Executors.newSingleThreadScheduledExecutor(named(name));
    }

    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
