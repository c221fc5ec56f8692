package io.github.dashboardmetrics.monitoring;

import java.util.List;

/**
 * The Prometheus names of the metrics the README lists and the Grafana dashboard queries: the
 * job's own ({@link JobMetrics}, under Flink's operator scope) and the Flink metrics worth
 * alerting on. {@code OperationsIT} scrapes a running job and checks that each one is exported,
 * so this list, the README and the dashboard cannot drift from what the job really exports.
 */
public final class ExportedMetrics {
    private ExportedMetrics() {}

    /**
     * The {@code job_name} label of the job's metrics: Flink's Prometheus reporter turns the
     * job name {@code dashboard-metrics} into {@code dashboard_metrics}.
     */
    public static final String JOB_NAME_LABEL = "dashboard_metrics";

    /** Labels the dashboard splits or filters by, as {@code name="value"} samples of a running job. */
    public static final List<String> LABELS = List.of(
            "job_name=\"" + JOB_NAME_LABEL + "\"",
            JobMetrics.ROLLUP_TABLE + "=\"event_metrics_hourly\"",
            JobMetrics.SOURCE_TABLE + "=\"usage\"",
            "quantile=\"0.95\"",
            "quantile=\"0.5\"");

    private static final String OPERATOR = "flink_taskmanager_job_task_operator_" + JobMetrics.GROUP + "_";
    private static final String SOURCE = OPERATOR + JobMetrics.SOURCE_TABLE + "_";
    private static final String ROLLUP = OPERATOR + JobMetrics.ROLLUP_TABLE + "_";

    /** The job's own metrics. */
    public static final List<String> JOB = List.of(
            SOURCE + JobMetrics.CHANGES_READ,
            OPERATOR + JobMetrics.BAD_CHANGE_EVENTS,
            OPERATOR + JobMetrics.METRIC_DELTAS,
            ROLLUP + JobMetrics.ROWS_UPSERTED,
            ROLLUP + JobMetrics.ROWS_DELETED,
            ROLLUP + JobMetrics.BATCHES_COMMITTED,
            ROLLUP + JobMetrics.WRITE_RETRIES,
            ROLLUP + JobMetrics.FRESHNESS_MS,
            ROLLUP + JobMetrics.FRESHNESS_MS + "_count",
            ROLLUP + JobMetrics.LAST_FRESHNESS_MS,
            OPERATOR + JobMetrics.COMMITTED_SOURCE_TIME_MS,
            ROLLUP + JobMetrics.CACHE_KEYS_INVALIDATED,
            ROLLUP + JobMetrics.CACHE_KEYS_FAILED,
            OPERATOR + JobMetrics.TRUNCATE_WALKS_IN_PROGRESS,
            OPERATOR + JobMetrics.TRUNCATE_KEYS_WALKED);

    /** Flink's own metrics that the README says to alert on and the dashboard shows. */
    public static final List<String> FLINK = List.of(
            "flink_jobmanager_job_uptime",
            "flink_jobmanager_job_numRestarts",
            "flink_jobmanager_job_numberOfCompletedCheckpoints",
            "flink_jobmanager_job_numberOfFailedCheckpoints",
            "flink_jobmanager_job_lastCheckpointDuration",
            "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
            "flink_taskmanager_job_task_operator_currentFetchEventTimeLag");

    public static List<String> all() {
        return java.util.stream.Stream.concat(JOB.stream(), FLINK.stream()).toList();
    }
}
