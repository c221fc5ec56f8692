package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/**
 * Measures freshness: source commit to rollup row visible. The workload adds a probe row (an LLM
 * usage row of the probe organisation, which nothing else writes to) to one transaction every
 * probe interval and tells this probe the time right before that commit. A poller thread reads
 * the probe organisation's {@code llm_calls} count in {@code event_metrics_hourly} every
 * {@value #POLL_MS} ms on its own connection; when the count reaches n, probes 1..n are visible,
 * and each gets the time of that poll. The count is taken relative to the count when the probe
 * was created, so probe rows of earlier phases do not count. So a freshness is over-estimated by at most one poll
 * interval plus one query, never under-estimated.
 */
final class FreshnessProbe implements AutoCloseable {
    static final int POLL_MS = 10;

    private final PreparedStatement poll;
    private final Connection connection;
    private final Thread poller;
    private long[] committed = new long[1024];
    private long[] visible = new long[1024];
    private final long baseline;
    private int registered;
    private int seen;
    private volatile boolean stopping;
    private volatile SQLException failure;

    FreshnessProbe(DatabaseTarget rollup, int organizations) throws SQLException {
        this.connection = rollup.connect();
        String s = "\"" + DatabaseTarget.requireIdentifier(rollup.schema(), "schema") + "\".";
        this.poll = connection.prepareStatement("SELECT coalesce(sum(metric_count), 0) FROM " + s + "event_metrics_hourly"
                + " WHERE organization_id = ? AND metric_name = 'llm_calls' AND \"timestamp\" >= ?");
        poll.setLong(1, BenchIds.probeOrganization(organizations));
        // Probe rows are timestamped "now": every one is at or after the current hour.
        poll.setTimestamp(2, Timestamp.from(Instant.now().truncatedTo(ChronoUnit.HOURS)));
        try (ResultSet rs = poll.executeQuery()) {
            rs.next();
            this.baseline = rs.getLong(1); // probe rows of earlier phases (or an earlier state backend) already counted
        }
        this.poller = new Thread(this::pollLoop, "bench-freshness-poller");
        poller.setDaemon(true);
        poller.start();
    }

    /** Called right before the commit of a transaction holding a probe row. */
    synchronized void committing() {
        if (registered == committed.length) {
            committed = Arrays.copyOf(committed, registered * 2);
            visible = Arrays.copyOf(visible, registered * 2);
        }
        committed[registered++] = System.nanoTime();
    }

    synchronized int registered() {
        return registered;
    }

    synchronized int seen() {
        return seen;
    }

    /** Waits until probes {@code [0, upTo)} are all visible, at most {@code timeoutMs}; true if they are. */
    boolean awaitVisible(int upTo, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (failure != null) {
                throw new IllegalStateException("freshness poller failed: " + failure.getMessage(), failure);
            }
            if (seen() >= upTo) {
                return true;
            }
            Thread.sleep(POLL_MS);
        }
        return seen() >= upTo;
    }

    /** When probe {@code i} was first seen visible (ns, System.nanoTime); 0 while it is not. */
    synchronized long visibleAt(int i) {
        return i < seen ? visible[i] : 0;
    }

    /** The commit times (ns, System.nanoTime) of probes {@code [from, to)}. */
    synchronized long[] commitTimes(int from, int to) {
        return Arrays.copyOfRange(committed, from, to);
    }

    /** Freshness in ms of probes {@code [from, to)}; only of the visible ones. */
    synchronized double[] freshnessMs(int from, int to) {
        int end = Math.min(to, seen);
        double[] out = new double[Math.max(0, end - from)];
        for (int i = from; i < end; i++) {
            out[i - from] = (visible[i] - committed[i]) / 1e6;
        }
        return out;
    }

    private void pollLoop() {
        try {
            while (!stopping) {
                long count;
                try (ResultSet rs = poll.executeQuery()) {
                    rs.next();
                    count = rs.getLong(1) - baseline;
                }
                long now = System.nanoTime();
                synchronized (this) {
                    // Probe rows are never deleted, so the count only grows; a count past the
                    // registered probes is a commit whose committing() has not run yet.
                    int upTo = (int) Math.min(count, registered);
                    for (int i = seen; i < upTo; i++) {
                        visible[i] = now;
                    }
                    seen = Math.max(seen, upTo);
                }
                Thread.sleep(POLL_MS);
            }
        } catch (SQLException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws SQLException {
        stopping = true;
        try {
            poller.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
