package io.github.dashboardmetrics.metric;

/**
 * The 12 dashboard metrics, with the fixed {@code metric_name} and {@code metric_type} strings that
 * Unstract's dashboard reads. The rules that decide what a source row contributes live in
 * {@link MetricRules}.
 */
public enum Metric {
    DOCUMENTS_PROCESSED(0, "documents_processed", Type.COUNTER),
    PAGES_PROCESSED(1, "pages_processed", Type.HISTOGRAM),
    LLM_CALLS(2, "llm_calls", Type.COUNTER),
    CHALLENGES(3, "challenges", Type.COUNTER),
    SUMMARIZATION_CALLS(4, "summarization_calls", Type.COUNTER),
    LLM_USAGE(5, "llm_usage", Type.HISTOGRAM),
    DEPLOYED_API_REQUESTS(6, "deployed_api_requests", Type.COUNTER),
    ETL_PIPELINE_EXECUTIONS(7, "etl_pipeline_executions", Type.COUNTER),
    PROMPT_EXECUTIONS(8, "prompt_executions", Type.COUNTER),
    FAILED_PAGES(9, "failed_pages", Type.HISTOGRAM),
    HITL_REVIEWS(10, "hitl_reviews", Type.COUNTER),
    HITL_COMPLETIONS(11, "hitl_completions", Type.COUNTER);

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

    private final int code;
    private final String metricName;
    private final Type type;

    Metric(int code, String metricName, Type type) {
        this.code = code;
        this.metricName = metricName;
        this.type = type;
    }

    /**
     * The metric's stable code, part of the rollup's state key and of savepoints: never reuse or
     * renumber a code (enum ordinals shift when a constant is inserted; codes do not).
     */
    public int code() {
        return code;
    }

    /** Each metric at the index of its code (codes are 0..11 without gaps). */
    private static final Metric[] BY_CODE = new Metric[values().length];

    static {
        for (Metric m : values()) {
            BY_CODE[m.code] = m;
        }
    }

    /** The metric with this {@link #code()}; on the hot path of the rollup and the wire, so a lookup, not a search. */
    public static Metric ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length || BY_CODE[code] == null) {
            throw new IllegalArgumentException("unknown metric code " + code);
        }
        return BY_CODE[code];
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
