package io.github.dashboardmetrics.pipeline;

import io.github.dashboardmetrics.attribute.Attribution;
import io.github.dashboardmetrics.attribute.AttributionOperator;
import io.github.dashboardmetrics.attribute.Contribution;
import io.github.dashboardmetrics.attribute.Executions;
import io.github.dashboardmetrics.attribute.FileExecutions;
import io.github.dashboardmetrics.attribute.JoinInput;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKeepingOperator;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.RowNormaliser;
import io.github.dashboardmetrics.change.WeightedRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.metric.MetricRules;
import io.github.dashboardmetrics.rollup.BucketRollup;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.DecodeChanges;
import io.github.dashboardmetrics.state.FinalSnapshot;
import io.github.dashboardmetrics.state.RowImages;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowState;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.Collector;

/**
 * The job between source and sink, assembled from its stages (see the README's diagram):
 * decode -> normalise (per row) -> organisation joins -> metric deltas -> bucket rollup.
 * Sources and sinks are passed in, so tests can feed bounded input and collect the output.
 * Every stateful operator has a stable uid: they are the savepoint contract.
 */
public final class MetricsPipeline {
    private MetricsPipeline() {}

    /** Settings of the stages between source and sink. */
    public record Settings(RetentionPolicy retention) implements Serializable {}

    private static final TypeInformation<WeightedRow> WEIGHTED = TypeInformation.of(WeightedRow.class);

    /**
     * What the stages produce: the metric deltas, and the ids of the checkpoints whose barrier came
     * while a TRUNCATE was being applied ({@link RowKeepingOperator#WALKING_AT_BARRIER}, from every
     * operator that keeps rows): the state of such a checkpoint shows the TRUNCATE partly applied.
     */
    public record Deltas(DataStream<MetricDelta> deltas, DataStream<Long> walkingAtBarriers,
            Map<String, DataStream<TaggedOperatorSubtaskState>> finalSnapshots) {}

    /**
     * The rollup rows to write, the checkpoints whose state shows a TRUNCATE partly applied
     * ({@link Deltas}), and in a bootstrap the final snapshot of every stateful operator by uid
     * ({@link FinalSnapshot}) and every bucket's final row ({@link BucketRollup#FINAL_ROWS}; null otherwise).
     */
    public record Rollups(DataStream<RollupRow> rows, DataStream<Long> walkingAtBarriers,
            Map<String, DataStream<TaggedOperatorSubtaskState>> finalSnapshots, DataStream<RollupRow> finalRows) {}

    /** The uids of the operators with keyed state: the savepoint contract (docs/architecture.md, "State layout"). */
    public static final String NORMALISER_UID = "normalise-rows-v2";
    public static final String FILE_EXECUTIONS_UID = "file-executions";
    public static final String EXECUTIONS_UID = "executions";
    public static final String ATTRIBUTION_UID = "attribute-organisations";
    public static final String ROLLUP_UID = "rollup-buckets";

    /** From decoded row changes (and optional rechecks, may be null) to the rollup rows to write. */
    public static Rollups fromChanges(DataStream<RowChange> changes, Settings settings,
            DataStream<MetricDelta> rechecks) {
        return fromChanges(changes, settings, rechecks, null);
    }

    /**
     * The same; with {@code snapshotAtEnd} (a bootstrap's bounded job; null otherwise) every
     * stateful operator also snapshots itself into that savepoint at the end of its input
     * ({@link Rollups#finalSnapshots}).
     */
    public static Rollups fromChanges(DataStream<RowChange> changes, Settings settings,
            DataStream<MetricDelta> rechecks, FinalSnapshot snapshotAtEnd) {
        Deltas deltas = metricDeltasAndWalks(changes, settings.retention(), snapshotAtEnd);
        BucketRollup rollup = new BucketRollup(settings.retention());
        SingleOutputStreamOperator<RollupRow> rows = (rechecks == null ? deltas.deltas() : deltas.deltas().union(rechecks))
                .keyBy(MetricDelta::rollupKey, Types.STRING)
                .transform("roll up hour/day/month buckets (emitted at checkpoints)",
                        TypeInformation.of(RollupRow.class), snapshotAtEnd != null ? rollup.snapshottingAtEnd(snapshotAtEnd) : rollup)
                .uid(ROLLUP_UID);
        Map<String, DataStream<TaggedOperatorSubtaskState>> snapshots = new LinkedHashMap<>(deltas.finalSnapshots());
        if (snapshotAtEnd != null) {
            snapshots.put(ROLLUP_UID, rows.getSideOutput(FinalSnapshot.SUBTASK_STATES));
        }
        return new Rollups(rows, deltas.walkingAtBarriers(), snapshots,
                snapshotAtEnd != null ? rows.getSideOutput(BucketRollup.FINAL_ROWS) : null);
    }

    /**
     * Debezium JSON messages decoded; the events the job refuses come out of the result's side
     * output {@link DecodeChanges#DEAD_LETTERS}.
     */
    public static SingleOutputStreamOperator<RowChange> decode(DataStream<ChangeMessage> messages) {
        return messages
                .process(new DecodeChanges())
                .returns(RowChange.class)
                // Same parallelism as the source, so a forward (chained) connection: a round-robin
                // exchange here would reorder the changes of one row before they are keyed.
                .setParallelism(messages.getParallelism())
                .name("decode Debezium events")
                .uid("decode-changes");
    }

    /**
     * From decoded row changes to the metric deltas of every organisation. Every change of one row
     * takes one path (keyed by the row), so a row's changes stay in order:
     * <pre>
     * usage, hitl_queue, page_usage, organization, workflow, pipeline, api_deployment
     *        -> RowNormaliser (keyed by row) -> usage/hitl deltas (MetricRules)
     *                                        -> dimensions and page sums, below
     * workflow_file_execution + page sums by run_id   -> FileExecutions (keyed by file execution)
     * workflow_execution + file sums by execution     -> Executions (keyed by execution)
     * workflow / pipeline+api_deployment / org string  -> Attribution (keyed by workflow, pipeline or
     *   + execution and page sums                        organization_id string) -> deltas
     * </pre>
     * Joins keep sums per (metric, hour) of their children, never the children (see
     * {@code RowWithChildren} and {@link Attribution}); TRUNCATEs are broadcast to every operator
     * that keeps rows ({@link RowKeepingOperator}), which applies them in slices between records.
     */
    public static DataStream<MetricDelta> metricDeltas(DataStream<RowChange> changes) {
        return metricDeltas(changes, RetentionPolicy.DEFAULT);
    }

    /** The same, with rows and sums past every tier's retention leaving the state. */
    public static DataStream<MetricDelta> metricDeltas(DataStream<RowChange> changes, RetentionPolicy retention) {
        return metricDeltasAndWalks(changes, retention, null).deltas();
    }

    /**
     * The same, with the checkpoints whose barrier came during a TRUNCATE's walk ({@link Deltas});
     * with {@code snapshotAtEnd}, also each stateful operator's snapshot of itself at the end of the input.
     */
    public static Deltas metricDeltasAndWalks(DataStream<RowChange> changes, RetentionPolicy retention,
            FinalSnapshot snapshotAtEnd) {
        // To every subtask of each operator that keeps rows, which records them in its broadcast
        // state (RowState.TRUNCATIONS) and walks its rows of the table (RowKeepingOperator).
        DataStream<RowChange> truncates = changes
                .filter((FilterFunction<RowChange>) RowChange::isTruncate)
                .name("only TRUNCATEs")
                .uid("only-truncates")
                .broadcast();
        DataStream<RowChange> rowChanges = changes
                .filter((FilterFunction<RowChange>) c -> !c.isTruncate())
                .name("only row changes")
                .uid("only-row-changes");

        SingleOutputStreamOperator<WeightedRow> rows = rowChanges
                .filter((FilterFunction<RowChange>) c -> RowNormaliser.TABLES.contains(c.kind))
                .name("rows kept by the normaliser")
                .uid("normalised-tables")
                .keyBy(RowNormaliser::key, Types.STRING)
                .connect(truncates)
                .transform("normalise rows (last image per row)", WEIGHTED, snapshotting(new RowNormaliser(
                        RowState.DEFAULT_DELETED_ROW_HORIZON, retention, RowKeepingOperator.DEFAULT_KEYS_PER_SLICE), snapshotAtEnd))
                .uid(NORMALISER_UID);

        DataStream<MetricDelta> direct = rows
                .filter((FilterFunction<WeightedRow>) w -> w.row.kind == RowKind.USAGE || w.row.kind == RowKind.HITL_QUEUE)
                .name("usage and hitl_queue")
                .uid("direct-rows")
                .flatMap((WeightedRow w, Collector<MetricDelta> out) ->
                        MetricRules.contributions(w.row, w.weight, w.sourceTsMs, out::collect))
                .returns(MetricDelta.class)
                .name("usage and hitl_queue deltas")
                .uid("direct-deltas");

        DataStream<JoinInput> pageSums = rows
                .flatMap((WeightedRow w, Collector<JoinInput> out) -> {
                    if (w.row.kind == RowKind.PAGE_USAGE && w.row.parentId != null) {
                        out.collect(JoinInput.ofContribution(new Contribution(FileExecutions.key(w.row.parentId),
                                Contribution.PAGES_OF_RUN, 0, (long) w.row.amount * w.weight, w.weight, w.sourceTsMs)));
                    }
                })
                .returns(JOIN_INPUT)
                .name("pages by run_id")
                .uid("pages-by-run");
        DataStream<JoinInput> fileChanges = ownRows(rowChanges, RowKind.WORKFLOW_FILE_EXECUTION, "file-execution-rows");
        SingleOutputStreamOperator<Contribution> fileSums = fileChanges.union(pageSums)
                .keyBy(JoinInput::key, Types.STRING)
                .connect(truncates)
                .transform("file executions with their pages", CONTRIBUTION, snapshotting(new FileExecutions(
                        RowState.DEFAULT_DELETED_ROW_HORIZON, retention, RowKeepingOperator.DEFAULT_KEYS_PER_SLICE), snapshotAtEnd))
                .uid(FILE_EXECUTIONS_UID);

        DataStream<JoinInput> executionChanges = ownRows(rowChanges, RowKind.WORKFLOW_EXECUTION, "execution-rows");
        SingleOutputStreamOperator<Contribution> executionSums = executionChanges.union(contributions(fileSums, "file-sums"))
                .keyBy(JoinInput::key, Types.STRING)
                .connect(truncates)
                .transform("executions with their files", CONTRIBUTION, snapshotting(new Executions(
                        RowState.DEFAULT_DELETED_ROW_HORIZON, retention, RowKeepingOperator.DEFAULT_KEYS_PER_SLICE), snapshotAtEnd))
                .uid(EXECUTIONS_UID);

        DataStream<JoinInput> dimensionsAndPages = rows
                .flatMap((WeightedRow w, Collector<JoinInput> out) -> {
                    switch (w.row.kind) {
                        case ORGANIZATION:
                        case WORKFLOW:
                        case PIPELINE:
                        case API_DEPLOYMENT:
                            out.collect(JoinInput.ofDimension(Attribution.dimensionKey(w.row), w.row, w.weight,
                                    w.sourceTsMs));
                            break;
                        case PAGE_USAGE:
                            out.collect(JoinInput.ofContribution(new Contribution(
                                    Attribution.organizationStringKey(w.row.orgKey), Metric.PAGES_PROCESSED.code(),
                                    RowImages.hourOf(w.row.eventTime), (long) w.row.amount * w.weight, w.weight,
                                    w.sourceTsMs)));
                            break;
                        default:
                            break;
                    }
                })
                .returns(JOIN_INPUT)
                .name("dimensions and pages by organization_id")
                .uid("dimensions-and-pages");
        SingleOutputStreamOperator<MetricDelta> attributed =
                dimensionsAndPages.union(contributions(executionSums, "execution-sums"))
                .keyBy(JoinInput::key, Types.STRING)
                .transform("attribute to organisations", TypeInformation.of(MetricDelta.class),
                        new AttributionOperator(new Attribution(retention), snapshotAtEnd))
                .uid(ATTRIBUTION_UID);

        DataStream<Long> walkingAtBarriers = rows.getSideOutput(RowKeepingOperator.WALKING_AT_BARRIER)
                .union(fileSums.getSideOutput(RowKeepingOperator.WALKING_AT_BARRIER),
                        executionSums.getSideOutput(RowKeepingOperator.WALKING_AT_BARRIER));
        Map<String, DataStream<TaggedOperatorSubtaskState>> snapshots = new LinkedHashMap<>();
        if (snapshotAtEnd != null) {
            snapshots.put(NORMALISER_UID, rows.getSideOutput(FinalSnapshot.SUBTASK_STATES));
            snapshots.put(FILE_EXECUTIONS_UID, fileSums.getSideOutput(FinalSnapshot.SUBTASK_STATES));
            snapshots.put(EXECUTIONS_UID, executionSums.getSideOutput(FinalSnapshot.SUBTASK_STATES));
            snapshots.put(ATTRIBUTION_UID, attributed.getSideOutput(FinalSnapshot.SUBTASK_STATES));
        }
        return new Deltas(direct.union(attributed), walkingAtBarriers, snapshots);
    }

    /** {@code operator}, made to snapshot itself at the end of its input when {@code snapshotAtEnd} is not null. */
    private static <O extends RowKeepingOperator<?, ?>> O snapshotting(O operator, FinalSnapshot snapshotAtEnd) {
        if (snapshotAtEnd != null) {
            operator.snapshottingAtEnd(snapshotAtEnd);
        }
        return operator;
    }

    private static final TypeInformation<JoinInput> JOIN_INPUT = TypeInformation.of(JoinInput.class);
    private static final TypeInformation<Contribution> CONTRIBUTION = TypeInformation.of(Contribution.class);

    /** The changes of a table whose rows a join keeps itself, keyed by that join's key. */
    private static DataStream<JoinInput> ownRows(DataStream<RowChange> changes, RowKind kind, String uid) {
        return changes
                .flatMap((RowChange c, Collector<JoinInput> out) -> {
                    if (c.kind == kind) {
                        out.collect(JoinInput.ofChange(RowKeys.of(kind.code(), c.key), c));
                    }
                })
                .returns(JOIN_INPUT)
                .name(kind.tableName() + " rows")
                .uid(uid);
    }

    private static DataStream<JoinInput> contributions(DataStream<Contribution> sums, String uid) {
        return sums.map(JoinInput::ofContribution).returns(JOIN_INPUT).name("to the parent join").uid(uid);
    }
}
