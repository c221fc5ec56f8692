package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.KeyRange;
import io.github.dashboardmetrics.source.SnapshotRows;
import java.sql.Connection;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;

/**
 * The bounded read of a bootstrap: every subtask imports the exported snapshot once and reads its
 * share of the key ranges (range {@code i} goes to subtask {@code i mod parallelism}), emitting the
 * change messages of a snapshot read ({@link SnapshotRows}). No state: a failed bootstrap starts
 * again from a new slot.
 */
public final class SnapshotRangeSource extends RichParallelSourceFunction<ChangeMessage> {
    private static final long serialVersionUID = 1L;
    /** Job-wide accumulators: rows read, and key ranges read to their end ({@link ReadProgress}). */
    static final String ROWS_READ = "bootstrap-rows-read";
    static final String RANGES_READ = "bootstrap-ranges-read";

    private final DatabaseTarget source;
    private final String snapshotName;
    private final List<KeyRange> ranges;
    private final long snapshotTsMs;
    private volatile boolean running = true;
    private transient LongCounter rowsRead;
    private transient LongCounter rangesRead;

    /**
     * @param snapshotTsMs the source time the snapshot's changes carry
     */
    public SnapshotRangeSource(DatabaseTarget source, String snapshotName, List<KeyRange> ranges, long snapshotTsMs) {
        this.source = source;
        this.snapshotName = snapshotName;
        this.ranges = List.copyOf(ranges);
        this.snapshotTsMs = snapshotTsMs;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        rowsRead = new LongCounter();
        rangesRead = new LongCounter();
        getRuntimeContext().addAccumulator(ROWS_READ, rowsRead);
        getRuntimeContext().addAccumulator(RANGES_READ, rangesRead);
    }

    @Override
    public void run(SourceContext<ChangeMessage> ctx) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        try (Connection c = ExportedSnapshotSlot.importSnapshot(source, snapshotName)) {
            for (int i = subtask; i < ranges.size() && running; i += parallelism) {
                SnapshotRows.read(c, source.schema(), ranges.get(i), snapshotTsMs, message -> {
                    synchronized (ctx.getCheckpointLock()) {
                        ctx.collect(message);
                        rowsRead.add(1);
                    }
                });
                rangesRead.add(1);
            }
            c.rollback();
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
