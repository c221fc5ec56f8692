package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes rollup rows past retention (hourly older than 30 days, daily older than 365 by default),
 * what Unstract's two cleanup tasks do, so they can be retired. Runs inside the job as a source
 * that emits nothing and, every interval, deletes with one statement per tier. The rollup
 * operator neither keeps nor writes buckets past the same horizon, so a deleted row stays deleted.
 * A failed run is logged and retried at the next interval; it never stops the job.
 */
public class RetentionCleaner extends RichSourceFunction<Void> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RetentionCleaner.class);

    private final DatabaseTarget rollup;
    private final RetentionPolicy retention;
    private final long intervalMs;
    private volatile boolean running = true;
    private transient Counter deleted;

    public RetentionCleaner(DatabaseTarget rollup, RetentionPolicy retention, long intervalMs) {
        if (intervalMs <= 0) {
            throw new IllegalArgumentException("retention cleanup interval must be > 0");
        }
        this.rollup = rollup;
        this.retention = retention;
        this.intervalMs = intervalMs;
    }

    @Override
    public void open(Configuration parameters) {
        deleted = getRuntimeContext().getMetricGroup().counter("retentionRowsDeleted");
    }

    @Override
    public void run(SourceContext<Void> ctx) throws InterruptedException {
        while (running) {
            try {
                long removed = deleteExpired(rollup, retention, System.currentTimeMillis());
                deleted.inc(removed);
                if (removed > 0) {
                    LOG.info("Retention: deleted {} rollup rows past retention", removed);
                }
            } catch (SQLException e) {
                LOG.warn("Retention cleanup failed, retrying in {} ms: {}", intervalMs, e.getMessage());
            }
            synchronized (this) {
                if (running) {
                    wait(intervalMs); // the schedule of the cleanup, woken early by cancel()
                }
            }
        }
    }

    @Override
    public void cancel() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
    }

    /** Deletes every row older than its tier's horizon at {@code nowMillis}; returns how many. */
    public static long deleteExpired(DatabaseTarget rollup, RetentionPolicy retention, long nowMillis)
            throws SQLException {
        long removed = 0;
        try (Connection c = rollup.connect()) {
            for (Granularity g : Granularity.values()) {
                if (retention.days(g) <= 0) {
                    continue;
                }
                long horizon = retention.horizon(g, nowMillis);
                Object bound = g.bucketParameter(horizon);
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM \"" + rollup.schema() + "\".\""
                        + g.table() + "\" WHERE \"" + g.bucketColumn() + "\" < ?")) {
                    ps.setObject(1, bound);
                    removed += ps.executeUpdate();
                }
            }
        }
        return removed;
    }
}
