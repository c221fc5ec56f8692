package io.github.dashboardmetrics.backfill;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.pipeline.MetricsPipeline;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.CdcSourceFactory;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.JobSlot;
import io.github.dashboardmetrics.source.SourcePreflight;
import io.github.dashboardmetrics.verify.RollupEntry;
import io.github.dashboardmetrics.verify.RollupKey;
import io.github.dashboardmetrics.verify.RollupValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Backfill as reprocessing: a bounded Flink job that reads a snapshot of the source tables
 * through the same CDC source and the same pipeline (decode, normalise, joins, metric rules) as
 * the streaming job, and sums each bucket in full from it. Every bucket it returns is complete:
 * the first hour, day and month of a range are as complete as any other.
 */
public final class BackfillJob {
    /**
     * Where to read the snapshot. The slot is only used by Flink CDC while reading the snapshot:
     * created for it when missing (waiting at most {@code slotWait} for open transactions, zero: no
     * limit) and dropped again after it ({@link JobSlot.OneRun}).
     */
    public record Settings(DatabaseTarget source, DatabaseTarget rollup, String slot, String publication, Duration slotWait)
            implements java.io.Serializable {}

    private BackfillJob() {}

    /**
     * Runs the bounded job on a local Flink and returns every non-empty bucket of every tier.
     * {@code say} hears about the slot, {@code progress} the number of buckets received so far.
     */
    public static Map<Granularity, List<RollupEntry>> recompute(Settings settings, Consumer<String> say, LongConsumer progress)
            throws Exception {
        SourcePreflight.Result checked =
                SourcePreflight.check(settings.source(), settings.rollup(), settings.publication());
        SourcePreflight.requireSlotAvailable(settings.source(), settings.slot());
        try (JobSlot.OneRun slot = JobSlot.forOneRun(settings.source(), settings.slot(),
                settings.slotWait(), say)) {
            return recompute(settings, checked, progress);
        }
    }

    private static Map<Granularity, List<RollupEntry>> recompute(Settings settings, SourcePreflight.Result checked,
            LongConsumer progress) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", "1");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        DataStream<ChangeMessage> snapshot = env.fromSource(
                CdcSourceFactory.create(new CdcSourceFactory.Settings(settings.source(), settings.slot(),
                        settings.publication(), CdcSourceFactory.Startup.SNAPSHOT_ONLY, checked.capturedTables())),
                WatermarkStrategy.noWatermarks(), "PostgreSQL snapshot");
        DataStream<RollupRow> buckets = MetricsPipeline.metricDeltas(MetricsPipeline.decode(snapshot))
                .transform("sum complete buckets", TypeInformation.of(RollupRow.class), new BackfillTotals())
                .setParallelism(1);
        Map<Granularity, List<RollupEntry>> rows = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            rows.put(g, new ArrayList<>());
        }
        long received = 0;
        try (CloseableIterator<RollupRow> it = buckets.executeAndCollect("dashboard-metrics backfill")) {
            while (it.hasNext()) {
                RollupRow r = it.next();
                rows.get(r.granularity).add(new RollupEntry(
                        RollupKey.of(r.granularity, r.orgId, Instant.ofEpochMilli(r.bucketStart), r.metricName),
                        new RollupValue(r.metricType, r.value, r.count)));
                progress.accept(++received);
            }
        }
        return rows;
    }
}
