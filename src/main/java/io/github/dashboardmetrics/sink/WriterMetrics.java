package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What one rollup table's writer reports: rows upserted and deleted, batches committed and
 * retried, and freshness, the time from a source commit to the commit of the rollup row that
 * includes it (a histogram over the last {@value #FRESHNESS_WINDOW} rows, and the newest value
 * as a gauge). Freshness compares the source database's commit clock with this machine's
 * clock: clock skew between them shows up in it.
 */
final class WriterMetrics {
    private static final int FRESHNESS_WINDOW = 1_000;

    private final Counter rowsUpserted;
    private final Counter rowsDeleted;
    private final Counter batchesCommitted;
    private final Counter writeRetries;
    private final Counter writesDeadLettered;
    private final Histogram freshness;
    /** Read by the metric reporter's thread. */
    private volatile long lastFreshnessMs;

    WriterMetrics(MetricGroup operator, String table) {
        MetricGroup group = JobMetrics.ofRollupTable(operator, table);
        rowsUpserted = group.counter(JobMetrics.ROWS_UPSERTED);
        rowsDeleted = group.counter(JobMetrics.ROWS_DELETED);
        batchesCommitted = group.counter(JobMetrics.BATCHES_COMMITTED);
        writeRetries = group.counter(JobMetrics.WRITE_RETRIES);
        writesDeadLettered = group.counter(JobMetrics.WRITES_DEAD_LETTERED);
        freshness = group.histogram(JobMetrics.FRESHNESS_MS, new DescriptiveStatisticsHistogram(FRESHNESS_WINDOW));
        group.gauge(JobMetrics.LAST_FRESHNESS_MS, (Gauge<Long>) () -> lastFreshnessMs);
    }

    Counter writeRetries() {
        return writeRetries;
    }

    Counter writesDeadLettered() {
        return writesDeadLettered;
    }

    /** Records a committed batch; rows without a source commit time (0) count but have no freshness. */
    void committed(List<RollupRow> rows, long committedAtMs) {
        long newestSource = 0;
        for (RollupRow row : rows) {
            if (row.isDelete()) {
                rowsDeleted.inc();
            } else {
                rowsUpserted.inc();
            }
            if (row.sourceTsMs > 0) {
                freshness.update(Math.max(0, committedAtMs - row.sourceTsMs));
                newestSource = Math.max(newestSource, row.sourceTsMs);
            }
        }
        batchesCommitted.inc();
        if (newestSource > 0) {
            lastFreshnessMs = Math.max(0, committedAtMs - newestSource);
        }
    }
}
