package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of Unstract's Celery task {@code dashboard_metrics.aggregate_from_sources}, replayed as
 * the SQL its Django querysets send (backend/dashboard_metrics/tasks.py and services.py, the
 * version with the active-organisation prefilter, the combined LLM query and the monthly tier
 * rolled up from the daily one):
 *
 * <ol>
 *   <li>prefilter: organisations with a workflow execution in the last 7 days; count of all
 *       organisations; the active ones' ids and identifiers;</li>
 *   <li>per active organisation, for each of documents_processed, pages_processed,
 *       deployed_api_requests, etl_pipeline_executions, prompt_executions, failed_pages,
 *       hitl_reviews and hitl_completions one query over the last 24 hours by hour and one over
 *       the source window (2 days, from midnight) by day, plus the combined LLM query (llm_calls,
 *       challenges, summarization_calls, llm_usage) by hour and by day: 18 queries; then one bulk
 *       upsert of its hourly rows and one of its daily rows;</li>
 *   <li>the monthly tier: the daily rows since the start of the previous month summed per month,
 *       one bulk upsert, and per month covered one read of existing rows (the orphan sweep).</li>
 * </ol>
 *
 * Rows are written to a copy of the rollup tables in schema {@value #SHADOW_SCHEMA}, so the job's
 * tables are left alone; the task's Python-side aggregation (value summed, count 1 per row) is
 * done here in Java.
 */
final class CeleryReplay {
    static final String SHADOW_SCHEMA = "celery_bench";
    static final long SCHEDULE_SECONDS = 15 * 60;

    /** One run: statements sent, of which reads, and the wall time. */
    record Run(int activeOrganizations, int statements, int reads, long rowsWritten, double seconds) {}

    private record Query(String metric, String sql, boolean byOrgString, boolean combinedLlm) {}

    private static final String HOUR = "date_trunc('hour', %s AT TIME ZONE 'UTC')";
    private static final String DAY = "date_trunc('day', %s AT TIME ZONE 'UTC')";

    private final DatabaseTarget source;
    private final String s;
    private final String shadow;

    CeleryReplay(DatabaseTarget source) {
        this.source = source;
        this.s = "\"" + DatabaseTarget.requireIdentifier(source.schema(), "schema") + "\".";
        this.shadow = "\"" + SHADOW_SCHEMA + "\".";
    }

    /** Creates empty copies of the three rollup tables in {@value #SHADOW_SCHEMA}. */
    void createShadowTables() throws SQLException {
        try (Connection c = source.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + shadow.substring(0, shadow.length() - 1));
            for (String table : List.of("event_metrics_hourly", "event_metrics_daily", "event_metrics_monthly")) {
                st.execute("CREATE TABLE IF NOT EXISTS " + shadow + table + " (LIKE " + s + table + " INCLUDING ALL)");
            }
        }
    }

    /** The freshness a change gets from a 15-minute schedule: wait for the next run, then the run itself. */
    static double impliedFreshnessMs(double percentile, double runSeconds) {
        return (SCHEDULE_SECONDS * percentile / 100.0 + runSeconds) * 1000.0;
    }

    private List<Query> queries(String bucket) {
        String fe = "fe.created_at";
        String files = " FROM " + s + "workflow_file_execution fe INNER JOIN " + s + "workflow_execution we"
                + " ON fe.workflow_execution_id = we.id INNER JOIN " + s + "workflow w ON we.workflow_id = w.id";
        String range = " >= ? AND %s <= ?";
        List<Query> q = new ArrayList<>();
        q.add(new Query("documents_processed", "SELECT " + bucket.formatted(fe) + " AS period, COUNT(fe.id) AS value" + files
                + " WHERE w.organization_id = ? AND fe.status = 'COMPLETED' AND fe.created_at" + range.formatted(fe)
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("pages_processed", "SELECT " + bucket.formatted("created_at") + " AS period, SUM(pages_processed) AS value"
                + " FROM " + s + "page_usage WHERE organization_id = ? AND created_at" + range.formatted("created_at")
                + " GROUP BY 1 ORDER BY 1 ASC", true, false));
        q.add(new Query("deployed_api_requests", "SELECT " + bucket.formatted("created_at") + " AS period, COUNT(id) AS value"
                + " FROM " + s + "workflow_execution WHERE pipeline_id IN (SELECT U0.id FROM " + s + "api_deployment U0"
                + " WHERE U0.organization_id = ?) AND created_at" + range.formatted("created_at")
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("etl_pipeline_executions", "SELECT " + bucket.formatted("created_at") + " AS period, COUNT(id) AS value"
                + " FROM " + s + "workflow_execution WHERE pipeline_id IN (SELECT U0.id FROM " + s + "pipeline U0"
                + " WHERE U0.organization_id = ? AND U0.pipeline_type = 'ETL') AND created_at" + range.formatted("created_at")
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("prompt_executions", "SELECT " + bucket.formatted("we.created_at") + " AS period, COUNT(we.id) AS value"
                + " FROM " + s + "workflow_execution we INNER JOIN " + s + "workflow w ON we.workflow_id = w.id"
                + " WHERE w.organization_id = ? AND we.created_at" + range.formatted("we.created_at")
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("failed_pages", "SELECT " + bucket.formatted(fe) + " AS period, SUM(COALESCE((SELECT SUM(U0.pages_processed)"
                + " FROM " + s + "page_usage U0 WHERE U0.run_id = (fe.id)::varchar GROUP BY U0.run_id LIMIT 1), 0)) AS value"
                + files + " WHERE w.organization_id = ? AND fe.status = 'ERROR' AND fe.created_at" + range.formatted(fe)
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("hitl_reviews", "SELECT " + bucket.formatted("created_at") + " AS period, COUNT(id) AS value"
                + " FROM " + s + "hitl_queue WHERE organization_id = ? AND created_at" + range.formatted("created_at")
                + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("hitl_completions", "SELECT " + bucket.formatted("approved_at") + " AS period, COUNT(id) AS value"
                + " FROM " + s + "hitl_queue WHERE organization_id = ? AND state = 'approved' AND approved_at"
                + range.formatted("approved_at") + " GROUP BY 1 ORDER BY 1 ASC", false, false));
        q.add(new Query("llm", "SELECT " + bucket.formatted("created_at") + " AS period, COUNT(id) AS llm_calls,"
                + " COUNT(id) FILTER (WHERE llm_usage_reason = 'challenge') AS challenges,"
                + " COUNT(id) FILTER (WHERE llm_usage_reason = 'summarize') AS summarization_calls,"
                + " SUM(cost_in_dollars) AS llm_usage FROM " + s + "usage WHERE organization_id = ? AND usage_type = 'llm'"
                + " AND created_at" + range.formatted("created_at") + " GROUP BY 1 ORDER BY 1 ASC", false, true));
        return q;
    }

    private static final List<String> LLM_FIELDS = List.of("llm_calls", "challenges", "summarization_calls", "llm_usage");

    /** Aggregated rows of one organisation and tier: key (bucket, metric) -> {value, count}. */
    private static final class Agg {
        final Map<String, double[]> rows = new LinkedHashMap<>();
        final Map<String, String> types = new LinkedHashMap<>();

        void add(Instant bucket, String metric, double value) {
            String key = bucket + "|" + metric;
            double[] v = rows.computeIfAbsent(key, k -> new double[2]);
            v[0] += value;
            v[1] += 1;
            types.put(key, histogram(metric) ? "histogram" : "counter");
        }

        static boolean histogram(String metric) {
            return metric.equals("pages_processed") || metric.equals("failed_pages") || metric.equals("llm_usage");
        }
    }

    Run run() throws SQLException {
        long started = System.nanoTime();
        int statements = 0;
        int reads = 0;
        long written = 0;
        Instant end = Instant.now();
        Instant hourlyStart = end.minus(24, ChronoUnit.HOURS);
        Instant dailyStart = end.minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS);
        LocalDate today = end.atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate monthlyStart = today.withDayOfMonth(1).minusDays(1).withDayOfMonth(1);
        Instant activeCutoff = dailyStart.isBefore(end.minus(7, ChronoUnit.DAYS)) ? dailyStart : end.minus(7, ChronoUnit.DAYS);
        List<Query> hourly = queries(HOUR);
        List<Query> daily = queries(DAY);
        try (Connection c = source.connect()) {
            List<Long> active = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT w.organization_id FROM " + s + "workflow_execution we"
                    + " LEFT OUTER JOIN " + s + "workflow w ON we.workflow_id = w.id WHERE we.created_at >= ?")) {
                ps.setTimestamp(1, Timestamp.from(activeCutoff));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        if (!rs.wasNull()) {
                            active.add(id);
                        }
                    }
                }
            }
            statements++;
            reads++;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + s + "organization")) {
                rs.next();
            }
            statements++;
            reads++;
            Map<Long, String> organizations = new LinkedHashMap<>();
            if (!active.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT id, organization_id FROM " + s + "organization WHERE id = ANY (?)")) {
                    ps.setArray(1, c.createArrayOf("bigint", active.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            organizations.put(rs.getLong(1), rs.getString(2));
                        }
                    }
                }
                statements++;
                reads++;
            }
            for (Map.Entry<Long, String> org : organizations.entrySet()) {
                Agg hourAgg = new Agg();
                Agg dayAgg = new Agg();
                for (int i = 0; i < hourly.size(); i++) {
                    reads += query(c, hourly.get(i), org, hourlyStart, end, hourAgg);
                    reads += query(c, daily.get(i), org, dailyStart, end, dayAgg);
                }
                statements += 2 * hourly.size();
                if (!hourAgg.rows.isEmpty()) {
                    written += upsert(c, "event_metrics_hourly", "\"timestamp\"", org.getKey(), hourAgg, false);
                    statements++;
                }
                if (!dayAgg.rows.isEmpty()) {
                    written += upsert(c, "event_metrics_daily", "\"date\"", org.getKey(), dayAgg, true);
                    statements++;
                }
            }
            int[] monthly = rollUpMonthly(c, monthlyStart);
            statements += monthly[0];
            reads += monthly[1];
            written += monthly[2];
            return new Run(organizations.size(), statements, reads, written, (System.nanoTime() - started) / 1e9);
        }
    }

    /** Runs one metric query for one organisation and window; returns 1 (one read). */
    private int query(Connection c, Query q, Map.Entry<Long, String> org, Instant from, Instant to, Agg agg)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(q.sql())) {
            if (q.byOrgString()) {
                ps.setString(1, org.getValue());
            } else {
                ps.setLong(1, org.getKey());
            }
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant bucket = rs.getTimestamp(1).toLocalDateTime().toInstant(ZoneOffset.UTC);
                    if (q.combinedLlm()) {
                        for (String field : LLM_FIELDS) {
                            agg.add(bucket, field, rs.getDouble(field));
                        }
                    } else {
                        agg.add(bucket, q.metric(), rs.getDouble(2));
                    }
                }
            }
        }
        return 1;
    }

    /** One bulk INSERT ... ON CONFLICT DO UPDATE of an organisation's rows, as Django's bulk_create sends it. */
    private long upsert(Connection c, String table, String bucketColumn, long org, Agg agg, boolean byDate)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO " + shadow + table + " (created_at, modified_at, id, "
                + bucketColumn + ", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id) VALUES ");
        for (int i = 0; i < agg.rows.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(now(), now(), gen_random_uuid(), ?, ?, ?, ?, ?, 'default', '', ?)");
        }
        sql.append(" ON CONFLICT (organization_id, ").append(bucketColumn).append(", metric_name, project, tag) DO UPDATE SET"
                + " metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value,"
                + " metric_count = EXCLUDED.metric_count, modified_at = EXCLUDED.modified_at");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (Map.Entry<String, double[]> row : agg.rows.entrySet()) {
                String[] key = row.getKey().split("\\|");
                Instant bucket = Instant.parse(key[0]);
                if (byDate) {
                    ps.setObject(p++, bucket.atZone(ZoneOffset.UTC).toLocalDate());
                } else {
                    ps.setTimestamp(p++, Timestamp.from(bucket));
                }
                ps.setString(p++, key[1]);
                ps.setString(p++, agg.types.get(row.getKey()));
                ps.setDouble(p++, row.getValue()[0]);
                ps.setInt(p++, (int) row.getValue()[1]);
                ps.setLong(p++, org);
            }
            return ps.executeUpdate();
        }
    }

    /** The monthly tier from the daily one; returns {statements, reads, rows written}. */
    private int[] rollUpMonthly(Connection c, LocalDate monthlyStart) throws SQLException {
        int statements = 0;
        int reads = 0;
        int written;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + shadow + "event_metrics_monthly (created_at, modified_at,"
                + " id, \"month\", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                + " SELECT now(), now(), gen_random_uuid(), m, metric_name, mtype, value, count, project, tag, organization_id FROM"
                + " (SELECT organization_id, date_trunc('month', \"date\")::date AS m, metric_name, project, tag,"
                + " SUM(metric_value) AS value, SUM(metric_count) AS count, MIN(metric_type) AS mtype"
                + " FROM " + shadow + "event_metrics_daily WHERE \"date\" >= ? GROUP BY 1, 2, 3, 4, 5) d"
                + " ON CONFLICT (organization_id, \"month\", metric_name, project, tag) DO UPDATE SET"
                + " metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value, metric_count = EXCLUDED.metric_count")) {
            // Django reads the daily sums (one query) and bulk-creates them (one statement); one
            // INSERT ... SELECT does both here, counted as the two statements it stands for.
            ps.setObject(1, monthlyStart);
            written = ps.executeUpdate();
        }
        statements += 2;
        reads += 1;
        for (LocalDate month = monthlyStart; !month.isAfter(LocalDate.now(ZoneOffset.UTC)); month = month.plusMonths(1)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, organization_id, \"month\", metric_name, project, tag"
                    + " FROM " + shadow + "event_metrics_monthly WHERE \"month\" = ?")) {
                ps.setObject(1, month);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        // the sweep compares these keys with the fresh ones; with a complete rollup none is stale
                    }
                }
            }
            statements++;
            reads++;
        }
        return new int[] {statements, reads, written};
    }
}
