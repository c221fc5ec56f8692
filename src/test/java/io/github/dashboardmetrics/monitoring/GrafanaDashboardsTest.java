package io.github.dashboardmetrics.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards in {@code deploy/grafana/}: well-formed JSON models (unique ids, a grid
 * that fits, every panel on the dashboard's data source variable), every Prometheus query naming
 * only metrics the job exports (the list {@code OperationsIT} checks against a running job), and
 * every SQL query running, after Grafana's macros are expanded, on Unstract's schema in a real
 * PostgreSQL.
 */
class GrafanaDashboardsTest {
    private static final Path DIR = Path.of("deploy", "grafana");
    private static final Path JOB = DIR.resolve("dashboard-metrics-job.json");
    private static final Path ROLLUPS = DIR.resolve("dashboard-metrics-rollups.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROMETHEUS_METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    @Test
    void theDirectoryHoldsTheJobAndTheRollupsDashboards() throws Exception {
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("dashboard-metrics-job.json", "dashboard-metrics-rollups.json");
        }
    }

    @Test
    void bothAreGrafanaDashboardModelsOnTheirDataSourceVariable() throws Exception {
        assertWellFormed(JOB, "prometheus");
        assertWellFormed(ROLLUPS, "grafana-postgresql-datasource");
        assertThat(read(JOB).path("uid").asText()).isNotEqualTo(read(ROLLUPS).path("uid").asText());
    }

    @Test
    void everyPrometheusQueryNamesOnlyMetricsTheJobExportsAndEveryJobMetricIsShown() throws Exception {
        Set<String> named = new HashSet<>();
        for (String expr : prometheusQueries(read(JOB))) {
            List<String> metrics = new ArrayList<>();
            Matcher m = PROMETHEUS_METRIC.matcher(expr);
            while (m.find()) {
                metrics.add(m.group());
            }
            assertThat(metrics).as("metrics named by %s", expr).isNotEmpty();
            assertThat(ExportedMetrics.all()).as("exported metrics, for %s", expr).containsAll(metrics);
            named.addAll(metrics);
        }
        List<String> shown = ExportedMetrics.JOB.stream().filter(n -> !n.endsWith("_count")).toList();
        assertThat(named).as("job metrics on the dashboard").containsAll(shown);
    }

    @Test
    void theJobVariableDefaultsToTheJobNameLabelTheReporterExports() throws Exception {
        for (JsonNode v : read(JOB).path("templating").path("list")) {
            if (v.path("name").asText().equals("job_name")) {
                assertThat(v.path("current").path("value").asText()).isEqualTo(ExportedMetrics.JOB_NAME_LABEL);
                return;
            }
        }
        throw new AssertionError("no job_name variable");
    }

    @Test
    void everySqlQueryRunsOnUnstractsSchema() throws Exception {
        List<JsonNode> targets = sqlTargets(read(ROLLUPS));
        assertThat(targets).hasSizeGreaterThanOrEqualTo(8);
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("SET TIME ZONE 'America/New_York'"); // the queries must not depend on the session's zone
                for (JsonNode target : targets) {
                    String sql = expandGrafanaMacros(target.path("rawSql").asText());
                    try (ResultSet rs = s.executeQuery(sql)) {
                        if (target.path("format").asText("table").equals("time_series")) {
                            assertThat(columns(rs.getMetaData())).as(sql).contains("time", "metric", "value");
                        }
                    }
                }
                for (JsonNode variable : read(ROLLUPS).path("templating").path("list")) {
                    if (variable.path("type").asText().equals("query")) {
                        s.executeQuery(expandGrafanaMacros(variable.path("query").asText())).close();
                    }
                }
            }
        }
    }

    @Test
    void theSqlMacroExpansionOfThisTestLeavesNothingUnexpanded() {
        assertThat(expandGrafanaMacros("SELECT 1 FROM \"${schema}\".t WHERE $__timeFilter(x) AND o IN (${org:csv})"))
                .isEqualTo("SELECT 1 FROM \"unstract\".t WHERE x BETWEEN '2026-01-01T00:00:00Z' AND "
                        + "'2026-01-08T00:00:00Z' AND o IN (1,2)");
    }

    // ------------------------------------------------------------------------------------------

    private static JsonNode read(Path file) throws Exception {
        return JSON.readTree(file.toFile());
    }

    private static void assertWellFormed(Path file, String dataSourceType) throws Exception {
        JsonNode d = read(file);
        assertThat(d.path("uid").asText()).as("uid").matches("[a-z0-9-]{1,40}");
        assertThat(d.path("title").asText()).as("title").isNotBlank();
        assertThat(d.path("schemaVersion").asInt()).as("schemaVersion").isGreaterThanOrEqualTo(30);
        assertThat(d.path("time").path("from").asText()).isNotBlank();

        JsonNode dataSource = null;
        Set<String> variables = new HashSet<>();
        for (JsonNode v : d.path("templating").path("list")) {
            assertThat(variables.add(v.path("name").asText())).as("unique variable %s", v.path("name")).isTrue();
            if (v.path("type").asText().equals("datasource")) {
                dataSource = v;
            }
        }
        assertThat(dataSource).as("a data source variable").isNotNull();
        assertThat(dataSource.path("query").asText()).isEqualTo(dataSourceType);
        String uidRef = "${" + dataSource.path("name").asText() + "}";

        Set<Integer> ids = new HashSet<>();
        List<int[]> cells = new ArrayList<>();
        JsonNode panels = d.path("panels");
        assertThat(panels.size()).as("panels").isGreaterThan(3);
        for (JsonNode p : panels) {
            String what = file.getFileName() + " panel " + p.path("id") + " " + p.path("title");
            assertThat(ids.add(p.path("id").asInt())).as("unique id: " + what).isTrue();
            assertThat(p.path("type").asText()).as(what).isIn("row", "timeseries", "stat", "table");
            assertThat(p.path("title").asText()).as(what).isNotBlank();
            JsonNode g = p.path("gridPos");
            int x = g.path("x").asInt(-1);
            int y = g.path("y").asInt(-1);
            int w = g.path("w").asInt(0);
            int h = g.path("h").asInt(0);
            assertThat(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24).as("grid position of " + what).isTrue();
            for (int[] other : cells) {
                boolean overlaps = x < other[0] + other[2] && other[0] < x + w && y < other[1] + other[3] && other[1] < y + h;
                assertThat(overlaps).as(what + " overlaps another panel").isFalse();
            }
            cells.add(new int[] {x, y, w, h});
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.path("datasource").path("type").asText()).as(what).isEqualTo(dataSourceType);
            assertThat(p.path("datasource").path("uid").asText()).as(what).isEqualTo(uidRef);
            assertThat(p.path("description").asText()).as("says what it shows: " + what).isNotBlank();
            JsonNode targets = p.path("targets");
            assertThat(targets.size()).as("queries of " + what).isPositive();
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : targets) {
                assertThat(refIds.add(t.path("refId").asText())).as("unique refId in " + what).isTrue();
                assertThat(t.path("datasource").path("uid").asText()).as(what).isEqualTo(uidRef);
            }
        }
    }

    private static List<String> prometheusQueries(JsonNode d) {
        List<String> queries = new ArrayList<>();
        for (JsonNode p : d.path("panels")) {
            for (JsonNode t : p.path("targets")) {
                queries.add(t.path("expr").asText());
            }
        }
        for (JsonNode v : d.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                queries.add(v.path("query").path("query").asText());
            }
        }
        return queries;
    }

    private static List<JsonNode> sqlTargets(JsonNode d) {
        List<JsonNode> targets = new ArrayList<>();
        for (JsonNode p : d.path("panels")) {
            p.path("targets").forEach(targets::add);
        }
        return targets;
    }

    /**
     * What Grafana sends for the macros and variables the dashboard uses, for a fixed week; any
     * {@code $} left over fails the test (a macro this test does not know).
     */
    private static String expandGrafanaMacros(String sql) {
        String from = "'2026-01-01T00:00:00Z'";
        String to = "'2026-01-08T00:00:00Z'";
        String expanded = sql
                .replaceAll("\\$__timeFilter\\(([^)]*)\\)", "$1 BETWEEN " + from + " AND " + to)
                .replace("$__timeFrom()", from)
                .replace("$__timeTo()", to)
                .replace("${schema}", "unstract")
                .replace("${slot}", "dashboard_metrics")
                .replace("${org:csv}", "1,2")
                .replace("${metric:sqlstring}", "'documents_processed','llm_calls'");
        assertThat(expanded).as("unexpanded macro or variable in: " + sql).doesNotContain("$");
        return expanded;
    }

    private static List<String> columns(ResultSetMetaData meta) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            names.add(meta.getColumnLabel(i));
        }
        return names;
    }
}
