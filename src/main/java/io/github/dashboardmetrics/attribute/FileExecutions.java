package io.github.dashboardmetrics.attribute;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricRules;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowImages;
import io.github.dashboardmetrics.state.RowKeys;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.time.Duration;
import org.apache.flink.util.Collector;

/**
 * Keyed by file execution id: the file execution (only COMPLETED and ERROR ones count), and the
 * sum of pages_processed of the page_usage rows whose run_id names it. Sends to its execution:
 * documents_processed (1) for a COMPLETED file, failed_pages (1 file, its pages) for an ERROR
 * one, both in the file's created_at hour. Children's sum in state: {@code signedVarLong(pages)}.
 */
public class FileExecutions extends RowWithChildren<Long> {
    private static final long serialVersionUID = 2L;
    /** The name of the state of this join's own rows. */
    private static final String STATE = "file-execution";

    public FileExecutions() {
        this(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT, DEFAULT_KEYS_PER_SLICE);
    }

    /** @param keysPerSlice keys a TRUNCATE's walk visits between records */
    public FileExecutions(Duration deletedRowHorizon, RetentionPolicy retention, int keysPerSlice) {
        super(RowKind.WORKFLOW_FILE_EXECUTION, STATE, deletedRowHorizon, retention, keysPerSlice);
    }

    /** The key of a file execution id (also of the run_id that names it). */
    public static String key(String fileExecutionId) {
        return RowKeys.of(RowImages.FILE_SPACE, fileExecutionId);
    }

    @Override
    Long noChildren() {
        return 0L;
    }

    @Override
    boolean isEmpty(Long pages) {
        return pages == 0L;
    }

    @Override
    Long readChildren(StateBytes.Reader r) {
        return r.signedVarLong();
    }

    @Override
    void writeChildren(Long pages, StateBytes.Writer w) {
        w.signedVarLong(pages);
    }

    @Override
    void emit(SourceRow file, Long pages, int weight, long sourceTsMs, Collector<Contribution> out) {
        String execution = Executions.key(file.parentId);
        long hour = RowImages.hourOf(file.eventTime);
        if (MetricRules.COMPLETED.equals(file.status)) {
            out.collect(new Contribution(execution, Metric.DOCUMENTS_PROCESSED.code(), hour, weight, weight, sourceTsMs));
        } else {
            out.collect(new Contribution(execution, Metric.FAILED_PAGES.code(), hour, pages * weight, weight, sourceTsMs));
        }
    }

    @Override
    Long addChild(SourceRow file, Long pages, Contribution child, Collector<Contribution> out) {
        if (file != null && MetricRules.ERROR.equals(file.status) && child.value != 0) {
            out.collect(new Contribution(Executions.key(file.parentId), Metric.FAILED_PAGES.code(),
                    RowImages.hourOf(file.eventTime), child.value, 0, child.sourceTsMs));
        }
        return pages + child.value;
    }
}
