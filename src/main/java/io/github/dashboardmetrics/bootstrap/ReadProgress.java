package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.util.DaemonThreads;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.core.execution.JobClient;

/**
 * Progress of a bootstrap's bulk read while it runs: every {@code reportEvery}, the rows and key
 * ranges its readers have read so far ({@link SnapshotRangeSource}'s accumulators), until every
 * range is read. A read of tens of millions of rows takes many minutes with nothing else to say.
 * The counts reach the client with Flink's heartbeats, so they may lag by one heartbeat.
 */
final class ReadProgress implements AutoCloseable {
    private final JobClient client;
    private final int ranges;
    private final Consumer<String> progress;
    private final ScheduledExecutorService timer;
    private final long startedNanos = System.nanoTime();
    private long lastRows;
    private long lastNanos = startedNanos;

    private ReadProgress(JobClient client, int ranges, Consumer<String> progress) {
        this.client = client;
        this.ranges = ranges;
        this.progress = progress;
        this.timer = DaemonThreads.scheduled("bootstrap-read-progress");
    }

    /** Starts reporting the read of {@code ranges} key ranges by the job of {@code client}. */
    static ReadProgress start(JobClient client, int ranges, Duration reportEvery, Consumer<String> progress) {
        ReadProgress p = new ReadProgress(client, ranges, progress);
        long every = reportEvery.toMillis();
        p.timer.scheduleWithFixedDelay(p::report, every, every, TimeUnit.MILLISECONDS);
        return p;
    }

    private void report() {
        Map<String, Object> counts;
        try {
            counts = client.getAccumulators().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return; // the job is ending (or the client busy): its totals are reported at its end
        }
        long rows = count(counts, SnapshotRangeSource.ROWS_READ);
        long rangesRead = count(counts, SnapshotRangeSource.RANGES_READ);
        long now = System.nanoTime();
        double seconds = (now - lastNanos) / 1e9;
        progress.accept(String.format(Locale.ROOT, "      %,d rows read, %d of %d key ranges (%,.0f rows/s; %.0f s)",
                rows, rangesRead, ranges, seconds > 0 ? (rows - lastRows) / seconds : 0.0, (now - startedNanos) / 1e9));
        lastRows = rows;
        lastNanos = now;
        if (rangesRead >= ranges) {
            timer.shutdown(); // the rest of the job reports itself (final rows, savepoint)
        }
    }

    private static long count(Map<String, Object> counts, String name) {
        Object value = counts.get(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
