package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads an Unstract-shaped history into the source tables with set-based SQL (PostgreSQL
 * generates the rows itself, so loading a million rows takes seconds, not the hours a row-by-row
 * ORM would): organisations with workflows, ETL/TASK pipelines and API deployments; executions
 * (35 % of an ETL or TASK pipeline, 15 % of an API deployment, the rest manual), skewed towards
 * a few busy workflows, spread uniformly over the history; two file executions per execution
 * (85 % completed, 10 % failed); one page_usage row per file; three usage rows per file (90 % LLM
 * with extraction / challenge / summarize / empty / NULL reasons, 10 % embedding); a HITL review
 * for 5 % of files, 60 % of them approved. Ids are deterministic ({@link BenchIds}), so the
 * streaming workload can refer to the same organisations, workflows and pipelines.
 *
 * <p>One extra organisation, {@link BenchIds#probeOrganization(int)}, has no rows: the freshness
 * probe writes its usage rows there.
 */
final class DatasetLoader {
    /** Source rows generated per execution: 1 execution + 2 files + 2 page_usage + 6 usage + ~0.1 review. */
    static final double ROWS_PER_EXECUTION = 11.1;

    record Stats(Map<String, Long> rowsPerTable, long totalRows, double seconds) {}

    private DatasetLoader() {}

    static long executionsFor(long rows) {
        return Math.max(1, Math.round(rows / ROWS_PER_EXECUTION));
    }

    static Stats load(DatabaseTarget target, BenchProfile profile, double seed) throws SQLException {
        long started = System.nanoTime();
        String s = "\"" + DatabaseTarget.requireIdentifier(target.schema(), "schema") + "\".";
        int orgs = profile.organizations();
        long executions = executionsFor(profile.rows());
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT setseed(" + seed + ")");
            st.execute("INSERT INTO " + s + "organization (id, name, display_name, organization_id, modified_at, created_at,"
                    + " allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation)"
                    + " SELECT o, 'Bench ' || o, 'Bench ' || o,"
                    + " CASE WHEN o = " + BenchIds.probeOrganization(orgs) + " THEN '" + BenchIds.PROBE_ORG_STRING
                    + "' ELSE 'org_bench_' || lpad(o::text, 6, '0') END, now(), now(), -1, false, false"
                    + " FROM generate_series(1, " + (orgs + 1) + ") o");
            st.execute("SELECT setval(pg_get_serial_sequence('" + s + "organization', 'id'), " + (orgs + 1) + ")");
            st.execute("INSERT INTO " + s + "workflow (created_at, modified_at, id, description, workflow_name, is_active,"
                    + " status, deployment_type, organization_id, shared_to_org)"
                    + " SELECT now(), now(), md5('wf:' || w)::uuid, '', 'workflow-' || w, true, '', 'DEFAULT',"
                    + " (w - 1) / " + BenchIds.WORKFLOWS_PER_ORG + " + 1, false"
                    + " FROM generate_series(1, " + BenchIds.WORKFLOWS_PER_ORG * orgs + ") w");
            st.execute(perOrganization(s + "pipeline (pipeline_name, active, scheduled, pipeline_type, run_count,"
                    + " last_run_status", "'pipeline-' || n, true, false, CASE n % 3 WHEN 2 THEN 'TASK' ELSE 'ETL' END, 0,"
                    + " 'YET_TO_START'", "pl", BenchIds.PIPELINES_PER_ORG, 1, orgs));
            st.execute(perOrganization(s + "api_deployment (display_name, description, is_active, api_endpoint, api_name",
                    "'api-' || n, '', true, 'deployment/api/bench/' || n || '/', 'api-' || n", "api", BenchIds.APIS_PER_ORG,
                    2, orgs));
            // Volatile functions in a subquery's select list keep it from being flattened: one draw per row.
            st.execute("INSERT INTO " + s + "workflow_execution (created_at, modified_at, id, pipeline_id, workflow_id,"
                    + " execution_mode, execution_method, execution_type, execution_log_id, status, error_message,"
                    + " attempts, execution_time, result_acknowledged, total_files)"
                    + " SELECT t, t, md5('we:' || i)::uuid,"
                    + " CASE WHEN r < 0.35 THEN md5('pl:' || ((org - 1) * " + BenchIds.PIPELINES_PER_ORG
                    + " + 1 + floor(r2 * " + BenchIds.PIPELINES_PER_ORG + ")::int))::uuid"
                    + " WHEN r < 0.5 THEN md5('api:' || ((org - 1) * " + BenchIds.APIS_PER_ORG
                    + " + 1 + floor(r2 * " + BenchIds.APIS_PER_ORG + ")::int))::uuid END,"
                    + " md5('wf:' || w)::uuid, 'QUEUE', 'DIRECT', 'COMPLETE', '',"
                    + " CASE WHEN r3 < 0.9 THEN 'COMPLETED' ELSE 'ERROR' END, '', 1, 1.5, false, 2"
                    + " FROM (SELECT i, w, (w - 1) / " + BenchIds.WORKFLOWS_PER_ORG + " + 1 AS org, r, r2, r3, t FROM"
                    + " (SELECT i, 1 + floor(power(random(), 1.5) * " + BenchIds.WORKFLOWS_PER_ORG * orgs + ")::int AS w,"
                    + " random() AS r, random() AS r2, random() AS r3,"
                    + " now() - random() * (" + profile.historyMonths() + " * interval '30 days') AS t"
                    + " FROM generate_series(1, " + executions + ") i) a) b");
            st.execute("INSERT INTO " + s + "workflow_file_execution (created_at, modified_at, id, file_name, file_path,"
                    + " file_hash, status, workflow_execution_id)"
                    + " SELECT t, t, md5('fe:' || id || ':' || j)::uuid, 'document-' || j || '.pdf', '/input/' || id || '/' || j,"
                    + " md5(id::text || j), CASE WHEN r < 0.85 THEN 'COMPLETED' WHEN r < 0.95 THEN 'ERROR' ELSE 'STOPPED' END, id"
                    + " FROM (SELECT we.id, j, we.created_at + j * interval '1 second' AS t, random() AS r"
                    + " FROM " + s + "workflow_execution we CROSS JOIN generate_series(1, 2) j) f");
            String files = " FROM " + s + "workflow_file_execution fe"
                    + " JOIN " + s + "workflow_execution we ON we.id = fe.workflow_execution_id"
                    + " JOIN " + s + "workflow w ON w.id = we.workflow_id";
            st.execute("INSERT INTO " + s + "page_usage (id, organization_id, file_name, file_type, run_id,"
                    + " pages_processed, file_size, created_at)"
                    + " SELECT md5('pu:' || fid)::uuid, org, name, 'application/pdf', fid::text, pages, 100000, t FROM"
                    + " (SELECT fe.id AS fid, o.organization_id AS org, fe.file_name AS name, fe.created_at AS t,"
                    + " 1 + floor(random() * 20)::int AS pages" + files
                    + " JOIN " + s + "organization o ON o.id = w.organization_id) p");
            st.execute("INSERT INTO " + s + "usage (created_at, modified_at, id, workflow_id, execution_id,"
                    + " adapter_instance_id, run_id, usage_type, llm_usage_reason, model_name, embedding_tokens,"
                    + " prompt_tokens, completion_tokens, total_tokens, cost_in_dollars, organization_id, status)"
                    + " SELECT t, t, md5('us:' || fid || ':' || k)::uuid, wid::text, weid::text, 'adapter-bench', fid,"
                    + " CASE WHEN r < 0.1 THEN 'embedding' ELSE 'llm' END,"
                    + " CASE WHEN r < 0.1 THEN NULL WHEN r < 0.6 THEN 'extraction' WHEN r < 0.75 THEN 'challenge'"
                    + " WHEN r < 0.85 THEN 'summarize' WHEN r < 0.9 THEN '' END,"
                    + " 'gpt-4o', 0, 1000, 200, 1200, round((r2 * 0.05)::numeric, 6)::float8, org, 'SUCCESS' FROM"
                    + " (SELECT fe.id AS fid, fe.created_at AS t, we.id AS weid, w.id AS wid, w.organization_id AS org, k,"
                    + " random() AS r, random() AS r2" + files + " CROSS JOIN generate_series(1, 3) k) u");
            st.execute("INSERT INTO " + s + "hitl_queue (created_at, modified_at, id, organization_id, state,"
                    + " approved_at, reviewer_id, execution_id)"
                    + " SELECT t, t, md5('hq:' || fid)::uuid, org, CASE WHEN r < 0.6 THEN 'approved' ELSE 'pending' END,"
                    + " CASE WHEN r < 0.6 THEN t + interval '2 hours' END, '1', weid FROM"
                    + " (SELECT fe.id AS fid, fe.created_at AS t, we.id AS weid, w.organization_id AS org, random() AS r,"
                    + " random() AS pick" + files + ") h WHERE pick < 0.05");
            c.commit();
            c.setAutoCommit(true);
            st.execute("ANALYZE");
            Map<String, Long> counts = new LinkedHashMap<>();
            long total = 0;
            for (String table : BenchIds.SOURCE_TABLES) {
                try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + s + "\"" + table + "\"");
                        ResultSet rs = count.executeQuery()) {
                    rs.next();
                    counts.put(table, rs.getLong(1));
                    total += rs.getLong(1);
                }
            }
            return new Stats(counts, total, (System.nanoTime() - started) / 1e9);
        }
    }

    /**
     * The INSERT of a dimension table with {@code perOrg} rows per organisation, numbered n from 1
     * across organisations, id {@code md5('<idPrefix>:' || n)::uuid}, each attached to its
     * organisation's workflow number {@code workflow} (1-based).
     *
     * @param tableAndColumns the table and its own columns, up to an open parenthesis' end
     * @param values          their values, in terms of n
     */
    private static String perOrganization(String tableAndColumns, String values, String idPrefix, int perOrg,
            int workflow, int orgs) {
        return "INSERT INTO " + tableAndColumns + ", created_at, modified_at, id, organization_id, workflow_id, shared_to_org)"
                + " SELECT " + values + ", now(), now(), md5('" + idPrefix + ":' || n)::uuid, (n - 1) / " + perOrg + " + 1,"
                + " md5('wf:' || (((n - 1) / " + perOrg + ") * " + BenchIds.WORKFLOWS_PER_ORG + " + " + workflow + "))::uuid,"
                + " false FROM generate_series(1, " + perOrg * orgs + ") n";
    }
}
