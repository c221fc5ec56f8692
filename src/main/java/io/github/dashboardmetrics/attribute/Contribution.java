package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.wire.ContributionSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A signed change to what one key of a join holds for one (metric, hour): the value and the
 * number of rows it adds (negative: retracted). Contributions travel up the chain page_usage ->
 * file execution -> execution -> workflow / pipeline, each join adding up what its children send
 * per (metric, hour), so that no join keeps a row per child (see {@code MetricsPipeline}).
 */
@TypeInfo(ContributionSerializer.Factory.class)
public class Contribution {
    /** The sum of pages_processed of a file execution's page_usage rows (to the file execution). */
    public static final int PAGES_OF_RUN = 100;
    /** An execution whose pipeline_id names the target (to the pipeline or API deployment). */
    public static final int EXECUTION_OF_PIPELINE = 101;

    /** The key (see {@code state.RowKeys}) of the join this goes to. */
    public String target;
    /** A {@code Metric} code, or one of the codes above. */
    public int metric;
    /** The UTC hour the value counts in, as hours since the epoch. */
    public long hour;
    public long value;
    public long count;
    /** Commit time of the source change behind it (epoch millis), for freshness. */
    public long sourceTsMs;

    public Contribution() {}

    public Contribution(String target, int metric, long hour, long value, long count, long sourceTsMs) {
        this.target = target;
        this.metric = metric;
        this.hour = hour;
        this.value = value;
        this.count = count;
        this.sourceTsMs = sourceTsMs;
    }

    public Contribution scaled(int weight) {
        return new Contribution(target, metric, hour, value * weight, count * weight, sourceTsMs);
    }

    @Override
    public String toString() {
        return "Contribution{" + metric + "@" + hour + " " + value + "/" + count + "}";
    }
}
