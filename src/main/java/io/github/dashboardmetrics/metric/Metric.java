package io.github.dashboardmetrics.metric;

/**
 * The 12 dashboard metrics, with the fixed {@code metric_name} and {@code metric_type} strings that
 * Unstract's dashboard reads. The rules that decide what a source row contributes live in
 * {@link MetricRules}.
 */
public enum Metric {
    DOCUMENTS_PROCESSED("documents_processed", Type.COUNTER),
    PAGES_PROCESSED("pages_processed", Type.HISTOGRAM),
    LLM_CALLS("llm_calls", Type.COUNTER),
    CHALLENGES("challenges", Type.COUNTER),
    SUMMARIZATION_CALLS("summarization_calls", Type.COUNTER),
    LLM_USAGE("llm_usage", Type.HISTOGRAM),
    DEPLOYED_API_REQUESTS("deployed_api_requests", Type.COUNTER),
    ETL_PIPELINE_EXECUTIONS("etl_pipeline_executions", Type.COUNTER),
    PROMPT_EXECUTIONS("prompt_executions", Type.COUNTER),
    FAILED_PAGES("failed_pages", Type.HISTOGRAM),
    HITL_REVIEWS("hitl_reviews", Type.COUNTER),
    HITL_COMPLETIONS("hitl_completions", Type.COUNTER);

    /** Counters count rows; histograms sum a column. */
    public enum Type {
        COUNTER("counter"),
        HISTOGRAM("histogram");

        private final String sqlName;

        Type(String sqlName) {
            this.sqlName = sqlName;
        }

        public String sqlName() {
            return sqlName;
        }
    }

    private final String metricName;
    private final Type type;

    Metric(String metricName, Type type) {
        this.metricName = metricName;
        this.type = type;
    }

    /** The {@code metric_name} column value. */
    public String metricName() {
        return metricName;
    }

    public Type type() {
        return type;
    }

    public static Metric fromMetricName(String name) {
        return findByMetricName(name).orElseThrow(() -> new IllegalArgumentException("unknown metric_name: " + name));
    }

    /** The metric with this {@code metric_name}, if it is one of the 12. */
    public static java.util.Optional<Metric> findByMetricName(String name) {
        for (Metric m : values()) {
            if (m.metricName.equals(name)) {
                return java.util.Optional.of(m);
            }
        }
        return java.util.Optional.empty();
    }
}
