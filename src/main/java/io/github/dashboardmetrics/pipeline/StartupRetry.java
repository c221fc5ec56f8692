package io.github.dashboardmetrics.pipeline;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code run} does before the job is submitted, on a JobManager that may have just failed
 * over. In application mode (the Kubernetes operator, or a standalone application cluster) the
 * job's {@code main()} runs inside the JobManager, and runs again on every failover; a database
 * that is unreachable at that moment (restarting, failing over, its DNS name not yet resolving)
 * must not fail the application. So a start that fails because a database cannot be reached is
 * tried again, with a growing pause (1 s doubling to 10 s), for a bounded time, each attempt
 * logged in one line; every other failure (a missing table, a refused password) fails at once.
 */
public final class StartupRetry {
    private static final Logger LOG = LoggerFactory.getLogger(StartupRetry.class);
    static final long FIRST_PAUSE_MS = 1_000;
    static final long MAX_PAUSE_MS = 10_000;

    /** One attempt of the start. */
    @FunctionalInterface
    public interface Attempt<T> {
        T call() throws Exception;
    }

    private StartupRetry() {}

    /**
     * Whether {@code main()} runs inside the JobManager (Flink's "embedded" executor of
     * application mode), where it runs again on every JobManager failover.
     */
    public static boolean applicationMode(ReadableConfig conf) {
        return "embedded".equals(conf.get(DeploymentOptions.TARGET));
    }

    /**
     * Runs {@code attempt}; while it fails because a database cannot be reached, tries again
     * until {@code budget} is spent (zero: once), then throws the last failure.
     */
    public static <T> T whileUnreachable(String what, Duration budget, Attempt<T> attempt) throws Exception {
        long deadline = System.nanoTime() + budget.toNanos();
        long pauseMs = FIRST_PAUSE_MS;
        for (int tried = 1; ; tried++) {
            try {
                T result = attempt.call();
                if (tried > 1) {
                    LOG.info("{}: reachable again, started after {} attempts", what, tried);
                }
                return result;
            } catch (Exception e) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (!unreachable(e) || leftMs <= 0) {
                    throw e;
                }
                long waitMs = Math.min(pauseMs, leftMs);
                LOG.warn("{} unreachable at start (attempt {}; main() runs again after a JobManager failover): {}. "
                        + "Retrying in {} ms, giving up in {} s.", what, tried, firstLine(e), waitMs, leftMs / 1000);
                Thread.sleep(waitMs); // main() of a starting JobManager: nothing else waits on this thread
                pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
            }
        }
    }

    /**
     * A failure to reach a server (connection refused or timed out, unknown host, PostgreSQL
     * starting up or shutting down), anywhere in the cause chain; not an answer that refuses.
     */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof SocketTimeoutException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
