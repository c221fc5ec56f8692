package io.github.dashboardmetrics.pipeline;

import io.github.dashboardmetrics.attribute.JoinRule;
import io.github.dashboardmetrics.attribute.JoinRules;
import io.github.dashboardmetrics.attribute.WeightedJoin;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.RowNormaliser;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.change.WeightedRow;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.metric.MetricRules;
import io.github.dashboardmetrics.rollup.BucketRollup;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.DecodeChanges;
import java.io.Serializable;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The job between source and sink, assembled from its stages (see the README's diagram):
 * decode -> normalise (per row) -> organisation joins -> metric deltas -> bucket rollup.
 * Sources and sinks are passed in, so tests can feed bounded input and collect the output.
 * Every stateful operator has a stable uid: they are the savepoint contract.
 */
public final class MetricsPipeline {
    private MetricsPipeline() {}

    /** Settings of the stages between source and sink. */
    public record Settings(long flushIntervalMs, RetentionPolicy retention) implements Serializable {}

    private static final TypeInformation<WeightedRow> WEIGHTED = TypeInformation.of(WeightedRow.class);

    /** From decoded row changes (and optional rechecks, may be null) to the rollup rows to write. */
    public static DataStream<RollupRow> fromChanges(DataStream<RowChange> changes, Settings settings,
            DataStream<MetricDelta> rechecks) {
        DataStream<MetricDelta> deltas = metricDeltas(changes);
        return (rechecks == null ? deltas : deltas.union(rechecks))
                .keyBy(MetricDelta::rollupKey, Types.STRING)
                .transform("roll up hour/day/month buckets (emitted at checkpoints)",
                        TypeInformation.of(RollupRow.class), new BucketRollup(settings.retention()))
                .uid("rollup-buckets");
    }

    /**
     * Debezium JSON messages decoded; the events the job refuses come out of the result's side
     * output {@link DecodeChanges#DEAD_LETTERS}.
     */
    public static SingleOutputStreamOperator<RowChange> decode(DataStream<ChangeMessage> messages) {
        return messages
                .process(new DecodeChanges())
                .returns(RowChange.class)
                .name("decode Debezium events")
                .uid("decode-changes");
    }

    /** From decoded row changes to the metric deltas of every organisation: normalise, join, apply the rules. */
    public static DataStream<MetricDelta> metricDeltas(DataStream<RowChange> changes) {
        DataStream<RowChange> truncates = changes
                .filter((FilterFunction<RowChange>) RowChange::isTruncate)
                .name("only TRUNCATEs")
                .uid("only-truncates");
        DataStream<WeightedRow> rows = changes
                .filter((FilterFunction<RowChange>) c -> !c.isTruncate())
                .name("only row changes")
                .uid("only-row-changes")
                .keyBy(RowChange::rowKey, Types.STRING)
                .connect(truncates.broadcast(RowNormaliser.TRUNCATIONS))
                .process(new RowNormaliser())
                .returns(WEIGHTED)
                .name("normalise rows (last image per row)")
                .uid("normalise-rows");

        DataStream<WeightedRow> pagesOfOrg = join("join page_usage to organization", "join-pages-organization",
                only(rows, r -> r.kind == RowKind.ORGANIZATION && r.orgKey != null), r -> r.orgKey,
                only(rows, r -> r.kind == RowKind.PAGE_USAGE && r.orgKey != null), r -> r.orgKey,
                JoinRules.PAGES_TO_ORGANIZATION);

        DataStream<WeightedRow> executionsOfOrg = join("join workflow_execution to workflow", "join-executions-workflow",
                only(rows, r -> r.kind == RowKind.WORKFLOW && r.orgId != null), r -> r.id,
                only(rows, r -> r.kind == RowKind.WORKFLOW_EXECUTION && r.parentId != null), r -> r.parentId,
                JoinRules.EXECUTION_TO_WORKFLOW);

        DataStream<WeightedRow> executionsOfPipelines = join("join workflow_execution to pipeline / api_deployment",
                "join-executions-pipeline",
                only(rows, r -> r.orgId != null && (r.kind == RowKind.API_DEPLOYMENT
                        || (r.kind == RowKind.PIPELINE && MetricRules.ETL.equals(r.status)))), r -> r.id,
                only(rows, r -> r.kind == RowKind.WORKFLOW_EXECUTION && r.pipelineId != null), r -> r.pipelineId,
                JoinRules.EXECUTION_TO_PIPELINE);

        DataStream<WeightedRow> filesOfOrg = join("join workflow_file_execution to execution", "join-files-execution",
                executionsOfOrg, r -> r.id,
                only(rows, r -> r.kind == RowKind.WORKFLOW_FILE_EXECUTION && r.parentId != null
                        && (MetricRules.COMPLETED.equals(r.status) || MetricRules.ERROR.equals(r.status))), r -> r.parentId,
                JoinRules.FILE_TO_EXECUTION);

        DataStream<WeightedRow> pagesOfFailedFiles = join("join page_usage to failed file execution",
                "join-pages-failed-file",
                only(filesOfOrg, r -> MetricRules.ERROR.equals(r.status)), r -> r.id,
                only(rows, r -> r.kind == RowKind.PAGE_USAGE && r.parentId != null && !r.parentId.isEmpty()), r -> r.parentId,
                JoinRules.PAGES_TO_FAILED_FILE);

        DataStream<WeightedRow> withDirectOrg = only(rows, r -> r.kind == RowKind.USAGE || r.kind == RowKind.HITL_QUEUE);

        return withDirectOrg
                .union(pagesOfOrg, executionsOfOrg, executionsOfPipelines, filesOfOrg, pagesOfFailedFiles)
                .flatMap((WeightedRow w, org.apache.flink.util.Collector<MetricDelta> out) ->
                        MetricRules.contributions(w.row, w.weight, w.sourceTsMs, out::collect))
                .returns(MetricDelta.class)
                .name("metric deltas")
                .uid("metric-deltas");
    }

    /** A row predicate that Flink can ship. */
    private interface RowFilter extends Serializable {
        boolean test(SourceRow row);
    }

    /** A join key of a row that Flink can ship. */
    private interface RowKey extends Serializable {
        String of(SourceRow row);
    }

    private static DataStream<WeightedRow> only(DataStream<WeightedRow> rows, RowFilter filter) {
        return rows.filter((FilterFunction<WeightedRow>) w -> filter.test(w.row));
    }

    private static DataStream<WeightedRow> join(String name, String uid,
            DataStream<WeightedRow> dimensions, RowKey dimensionKey,
            DataStream<WeightedRow> facts, RowKey factKey, JoinRule rule) {
        KeySelector<WeightedRow, String> dimKey = w -> dimensionKey.of(w.row);
        KeySelector<WeightedRow, String> fKey = w -> factKey.of(w.row);
        return dimensions.connect(facts)
                .keyBy(dimKey, fKey, Types.STRING)
                .process(new WeightedJoin(rule))
                .returns(WEIGHTED)
                .name(name)
                .uid(uid);
    }
}
