package io.github.dashboardmetrics.rollup;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a restore exact for rows written after the checkpoint it restores.
 *
 * <p>The rollup writes absolute values every flush interval, also from transient states (deltas
 * of one change reach a bucket through different joins, in any order). A run that stops after a
 * checkpoint may have written such a row; the restored run reads the same changes again, possibly
 * interleaved differently so that it never touches that bucket, and the row would stay. Every
 * other row is consistent with the checkpoint: a bucket not pending at the checkpoint was last
 * written from the state it still has.
 *
 * <p>So this source records, in its checkpointed state, when each checkpoint was taken (it takes
 * its snapshot before any operator downstream does), and after a restore it reads the rollup rows
 * modified since then (less a margin for clock skew between the job and the database) and emits a
 * zero delta for each: the rollup marks those buckets changed and rewrites them from the restored
 * state, deleting the rows it holds nothing for.
 */
public class RestoreRecheck extends RichSourceFunction<MetricDelta> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RestoreRecheck.class);
    /** Clock skew allowed between this JVM and the database server's now(). */
    static final long CLOCK_SKEW_MARGIN_MS = 5 * 60_000L;

    private final DatabaseTarget rollup;
    private transient ListState<Long> checkpointTimes;
    private transient Long restoredCheckpointTime;
    private volatile boolean running = true;

    public RestoreRecheck(DatabaseTarget rollup) {
        this.rollup = rollup;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        checkpointTimes = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("checkpoint-time", Types.LONG));
        if (context.isRestored()) {
            for (Long t : checkpointTimes.get()) {
                restoredCheckpointTime = restoredCheckpointTime == null ? t : Math.min(restoredCheckpointTime, t);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        checkpointTimes.update(List.of(System.currentTimeMillis()));
    }

    @Override
    public void run(SourceContext<MetricDelta> ctx) throws Exception {
        if (restoredCheckpointTime != null && getRuntimeContext().getIndexOfThisSubtask() == 0) {
            long since = restoredCheckpointTime - CLOCK_SKEW_MARGIN_MS;
            List<MetricDelta> touches = rowsWrittenSince(rollup, since);
            synchronized (ctx.getCheckpointLock()) {
                touches.forEach(ctx::collect);
            }
            LOG.info("Restored a checkpoint of {}: rechecking {} rollup rows written since {}",
                    Instant.ofEpochMilli(restoredCheckpointTime), touches.size(), Instant.ofEpochMilli(since));
        }
        synchronized (this) {
            while (running) {
                wait(); // nothing more to emit; stay up so checkpoints keep recording their time
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

    /** A zero delta for every rollup row of the three tables modified at or after {@code sinceMillis}. */
    static List<MetricDelta> rowsWrittenSince(DatabaseTarget rollup, long sinceMillis) throws SQLException {
        List<MetricDelta> touches = new ArrayList<>();
        try (Connection c = rollup.connect()) {
            for (Granularity g : Granularity.values()) {
                String bucket = g == Granularity.HOURLY ? "\"timestamp\"" : "(\"" + g.bucketColumn() + "\"::timestamp AT TIME ZONE 'UTC')";
                try (PreparedStatement ps = c.prepareStatement("SELECT organization_id, metric_name, " + bucket
                        + " FROM \"" + rollup.schema() + "\".\"" + g.table()
                        + "\" WHERE modified_at >= ? AND organization_id IS NOT NULL")) {
                    ps.setObject(1, OffsetDateTime.ofInstant(Instant.ofEpochMilli(sinceMillis), ZoneOffset.UTC));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            // A row with another metric_name is not the job's to recheck.
                            Metric metric = Metric.findByMetricName(rs.getString(2)).orElse(null);
                            if (metric != null) {
                                long t = rs.getObject(3, OffsetDateTime.class).toInstant().toEpochMilli();
                                touches.add(new MetricDelta(rs.getLong(1), metric, t, 0.0, 0, 0L));
                            }
                        }
                    }
                }
            }
        }
        return touches;
    }

}
