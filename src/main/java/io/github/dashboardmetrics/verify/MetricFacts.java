package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.change.RowValidity;
import io.github.dashboardmetrics.metric.Metric;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each metric's rule from spec/metrics.md written as SQL: a SELECT of one fact per qualifying
 * source row, with the columns {@code organization_id} (NULL when it cannot be resolved),
 * {@code event_time} (the timestamptz that picks the bucket) and {@code value}. Unresolvable
 * dimensions drop out through inner joins; {@link ExpectedRollups} drops NULL organisations.
 */
final class MetricFacts {
    /** Metrics read from {@code hitl_queue}, a table only Unstract Cloud has. */
    static final Set<Metric> HITL_QUEUE_METRICS = Set.of(Metric.HITL_REVIEWS, Metric.HITL_COMPLETIONS);

    /** File execution -> workflow execution -> workflow: the organisation of a file execution. */
    private static final String FILE_EXECUTION_ORG = """
            FROM {s}.workflow_file_execution fe
            JOIN {s}.workflow_execution we ON we.id = fe.workflow_execution_id
            JOIN {s}.workflow w ON w.id = we.workflow_id""";

    private static final String LLM_USAGE_ROWS = """
            FROM {s}.usage u
            WHERE u.usage_type = 'llm'""";

    private MetricFacts() {}

    /** Fact tables whose rows {@link RowValidity} can refuse, and the SQL form of its limits. */
    private static final Map<String, String> VALID_ROWS = Map.of(
            "workflow_execution", inWindow("created_at"),
            "workflow_file_execution", inWindow("created_at"),
            "usage", inWindow("created_at") + " AND cost_in_dollars NOT IN ('NaN', 'Infinity', '-Infinity')",
            "page_usage", inWindow("created_at") + " AND pages_processed BETWEEN 0 AND " + RowValidity.MAX_PAGES,
            "hitl_queue", inWindow("created_at") + " AND (approved_at IS NULL OR " + inWindow("approved_at") + ")");
    private static final Pattern FACT_TABLE = Pattern.compile("\\{s\\}\\.(" + String.join("|", VALID_ROWS.keySet()) + ")\\b");

    /**
     * The facts of {@code metric}, its tables qualified with {@code quotedSchema}. Fact tables are
     * read through their valid rows only: the job refuses the others (RowValidity), as if absent.
     */
    static String select(Metric metric, String quotedSchema) {
        Matcher m = FACT_TABLE.matcher(template(metric));
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sql, Matcher.quoteReplacement(
                    "(SELECT * FROM {s}." + m.group(1) + " WHERE " + VALID_ROWS.get(m.group(1)) + ")"));
        }
        m.appendTail(sql);
        return sql.toString().replace("{s}", quotedSchema);
    }

    private static String inWindow(String column) {
        return column + " >= '" + RowValidity.EARLIEST_EVENT_TIME + "'::timestamptz AND " + column + " < '"
                + RowValidity.END_OF_EVENT_TIME + "'::timestamptz";
    }

    private static String template(Metric metric) {
        switch (metric) {
            case DOCUMENTS_PROCESSED:
                return "SELECT w.organization_id, fe.created_at AS event_time, 1::float8 AS value\n"
                        + FILE_EXECUTION_ORG + "\nWHERE fe.status = 'COMPLETED'";
            case FAILED_PAGES:
                // page_usage is summed per run first: joining its rows directly would count a file
                // with several page rows several times. Only runs of failed files are summed, which
                // keeps the aggregate small on a large page_usage table.
                return "SELECT w.organization_id, fe.created_at AS event_time, COALESCE(p.pages, 0)::float8 AS value\n"
                        + FILE_EXECUTION_ORG + """

                        LEFT JOIN (SELECT pu.run_id, sum(pu.pages_processed) AS pages
                                   FROM {s}.page_usage pu
                                   WHERE pu.run_id IN (SELECT failed.id::text FROM {s}.workflow_file_execution failed
                                                       WHERE failed.status = 'ERROR')
                                   GROUP BY pu.run_id) p ON p.run_id = fe.id::text
                        WHERE fe.status = 'ERROR'""";
            case PAGES_PROCESSED:
                return """
                        SELECT o.id AS organization_id, pu.created_at AS event_time, pu.pages_processed::float8 AS value
                        FROM {s}.page_usage pu
                        JOIN {s}.organization o ON o.organization_id = pu.organization_id""";
            case LLM_CALLS:
                return "SELECT u.organization_id, u.created_at AS event_time, 1::float8 AS value\n" + LLM_USAGE_ROWS;
            case CHALLENGES:
                return "SELECT u.organization_id, u.created_at AS event_time, 1::float8 AS value\n" + LLM_USAGE_ROWS
                        + " AND u.llm_usage_reason = 'challenge'";
            case SUMMARIZATION_CALLS:
                return "SELECT u.organization_id, u.created_at AS event_time, 1::float8 AS value\n" + LLM_USAGE_ROWS
                        + " AND u.llm_usage_reason = 'summarize'";
            case LLM_USAGE:
                return "SELECT u.organization_id, u.created_at AS event_time, u.cost_in_dollars AS value\n"
                        + LLM_USAGE_ROWS;
            case DEPLOYED_API_REQUESTS:
                return """
                        SELECT d.organization_id, we.created_at AS event_time, 1::float8 AS value
                        FROM {s}.workflow_execution we
                        JOIN {s}.api_deployment d ON d.id = we.pipeline_id""";
            case ETL_PIPELINE_EXECUTIONS:
                return """
                        SELECT p.organization_id, we.created_at AS event_time, 1::float8 AS value
                        FROM {s}.workflow_execution we
                        JOIN {s}.pipeline p ON p.id = we.pipeline_id
                        WHERE p.pipeline_type = 'ETL'""";
            case PROMPT_EXECUTIONS:
                return """
                        SELECT w.organization_id, we.created_at AS event_time, 1::float8 AS value
                        FROM {s}.workflow_execution we
                        JOIN {s}.workflow w ON w.id = we.workflow_id""";
            case HITL_REVIEWS:
                return """
                        SELECT h.organization_id, h.created_at AS event_time, 1::float8 AS value
                        FROM {s}.hitl_queue h""";
            case HITL_COMPLETIONS:
                return """
                        SELECT h.organization_id, h.approved_at AS event_time, 1::float8 AS value
                        FROM {s}.hitl_queue h
                        WHERE h.state = 'approved' AND h.approved_at IS NOT NULL""";
            default:
                throw new AssertionError(metric);
        }
    }
}
