package io.github.dashboardmetrics.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the generator against a real PostgreSQL. The seed is random per run and printed; rerun a
 * failure with {@code -Dworkload.seed=<seed>}.
 */
class WorkloadGeneratorTest {
    private static final long SEED = Long.getLong("workload.seed", System.nanoTime());
    private static final List<String> SOURCE_TABLES = List.of("organization", "workflow", "pipeline", "api_deployment",
            "workflow_execution", "workflow_file_execution", "usage", "page_usage", "hitl_queue");

    private static EmbeddedDatabase database;

    @BeforeAll
    static void start() throws Exception {
        System.out.println("WorkloadGeneratorTest seed: " + SEED + " (rerun with -Dworkload.seed=" + SEED + ")");
        database = EmbeddedDatabase.start();
    }

    @AfterAll
    static void stop() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void performsEveryOperationAndFillsEveryTableWithoutBreakingForeignKeys() throws Exception {
        database.createUnstractSchema("cloud", true);
        WorkloadCounters counters;
        try (WorkloadGenerator generator = new WorkloadGenerator(database.target("cloud"), SEED,
                WorkloadGenerator.Options.defaults().withTrickyFraction(0.3))) {
            generator.setUp();
            assertThat(generator.run(2_000)).isGreaterThanOrEqualTo(2_000);
            counters = generator.counters();
            System.out.println(counters.summary());
        }

        for (WorkloadOperation operation : WorkloadOperation.values()) {
            assertThat(counters.operations(operation)).as("times %s ran", operation).isPositive();
        }
        for (String table : SOURCE_TABLES) {
            TableChanges changes = counters.table(table);
            long rows = count("cloud", "SELECT count(*) FROM " + table);
            assertThat(rows).as("rows in %s", table).isPositive();
            // Every change was counted, and only committed ones.
            assertThat(rows).as("rows in %s vs counters %s", table, changes).isEqualTo(changes.inserts() - changes.deletes());
        }
        assertThat(counters.table("event_metrics_hourly").total()).isZero();
        assertNoOrphans("cloud");
        assertEveryMetricHasContributions("cloud");
        assertValuesTheJobMustIgnoreOccur("cloud");
        assertTimesSpreadOverBuckets("cloud");
    }

    @Test
    void sameSeedWritesTheSameRows() throws Exception {
        Clock fixed = Clock.fixed(Instant.parse("2025-03-01T10:15:30.123456789Z"), ZoneOffset.UTC);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults().withClock(fixed);
        Map<String, String> first = runAndDigest("twin_a", SEED, options);
        Map<String, String> second = runAndDigest("twin_b", SEED, options);
        Map<String, String> otherSeed = runAndDigest("twin_c", SEED + 1, options);

        assertThat(second).isEqualTo(first);
        assertThat(otherSeed.get("workflow_execution")).isNotEqualTo(first.get("workflow_execution"));
    }

    @Test
    void sameSeedGivesTheSameCountersWhateverTheClock() throws Exception {
        database.createUnstractSchema("clock_a", true);
        database.createUnstractSchema("clock_b", true);
        WorkloadCounters early = runFor("clock_a", WorkloadGenerator.Options.defaults()
                .withClock(Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC)));
        WorkloadCounters now = runFor("clock_b", WorkloadGenerator.Options.defaults());

        assertThat(now).isEqualTo(early);
    }

    @Test
    void runsOnAnOssSchemaWithoutHitlQueue() throws Exception {
        database.createUnstractSchema("oss", false);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults().withHitlQueue(false).withTrickyFraction(0.3);
        try (WorkloadGenerator generator = new WorkloadGenerator(database.target("oss"), SEED, options)) {
            generator.setUp();
            generator.run(1_500);
            WorkloadCounters counters = generator.counters();

            assertThat(generator.enabledOperations()).noneMatch(WorkloadOperation::needsHitlQueue);
            for (WorkloadOperation operation : WorkloadOperation.values()) {
                if (operation.needsHitlQueue()) {
                    assertThat(counters.operations(operation)).as("times %s ran", operation).isZero();
                } else {
                    assertThat(counters.operations(operation)).as("times %s ran", operation).isPositive();
                }
            }
            assertThat(counters.table("hitl_queue").total()).isZero();
        }
        assertNoOrphans("oss");
    }

    @Test
    void aFailedTransactionIsReportedWithTheSeedAndStopsTheGenerator() throws Exception {
        database.createUnstractSchema("no_hitl", false);
        // Wrong on purpose: the generator is told hitl_queue exists, the schema has none.
        try (Connection connection = database.connect();
                WorkloadGenerator generator = new WorkloadGenerator(connection, "no_hitl", SEED,
                        WorkloadGenerator.Options.defaults())) {
            generator.setUp();
            assertThatThrownBy(() -> generator.run(5_000))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("seed " + SEED)
                    .hasMessageContaining("REVIEW");
            assertThatThrownBy(generator::step).isInstanceOf(IllegalStateException.class);
        }
    }

    /** The stream Debezium would read: the generator's changes reach a pgoutput slot. */
    @Test
    void changesReachALogicalReplicationSlot() throws Exception {
        database.createUnstractSchema("streamed", true);
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            SOURCE_TABLES.forEach(table -> tables.add("streamed." + table));
            statement.execute("CREATE PUBLICATION streamed_pub FOR TABLE " + String.join(", ", tables));
            statement.execute("SELECT pg_create_logical_replication_slot('streamed_slot', 'pgoutput')");
            try (WorkloadGenerator generator = new WorkloadGenerator(database.target("streamed"), SEED,
                    WorkloadGenerator.Options.defaults())) {
                generator.setUp();
                generator.run(200);
            }
            try (ResultSet changes = statement.executeQuery("SELECT count(*) FROM pg_logical_slot_peek_binary_changes("
                    + "'streamed_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'streamed_pub')")) {
                changes.next();
                assertThat(changes.getLong(1)).isGreaterThan(200);
            }
            statement.execute("SELECT pg_drop_replication_slot('streamed_slot')");
        }
    }

    private static WorkloadCounters runFor(String schema, WorkloadGenerator.Options options) throws SQLException {
        try (WorkloadGenerator generator = new WorkloadGenerator(database.target(schema), SEED, options)) {
            generator.setUp();
            generator.run(1_000);
            return generator.counters();
        }
    }

    private static Map<String, String> runAndDigest(String schema, long seed, WorkloadGenerator.Options options)
            throws SQLException {
        database.createUnstractSchema(schema, true);
        try (WorkloadGenerator generator = new WorkloadGenerator(database.target(schema), seed, options)) {
            generator.setUp();
            generator.run(1_000);
        }
        Map<String, String> digests = new LinkedHashMap<>();
        try (Connection connection = database.target(schema).connect(); Statement statement = connection.createStatement()) {
            for (String table : SOURCE_TABLES) {
                try (ResultSet digest = statement.executeQuery(
                        "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM " + table + " t")) {
                    digest.next();
                    digests.put(table, digest.getString(1));
                }
            }
        }
        return digests;
    }

    private static void assertNoOrphans(String schema) throws SQLException {
        Map<String, String> orphans = Map.of(
                "workflow without organization",
                "SELECT count(*) FROM workflow w WHERE NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = w.organization_id)",
                "pipeline without workflow",
                "SELECT count(*) FROM pipeline p WHERE NOT EXISTS (SELECT 1 FROM workflow w WHERE w.id = p.workflow_id)",
                "deployment without workflow",
                "SELECT count(*) FROM api_deployment d WHERE NOT EXISTS (SELECT 1 FROM workflow w WHERE w.id = d.workflow_id)",
                "execution with an unknown workflow",
                "SELECT count(*) FROM workflow_execution e WHERE e.workflow_id IS NOT NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM workflow w WHERE w.id = e.workflow_id)",
                "file execution without execution",
                "SELECT count(*) FROM workflow_file_execution f"
                        + " WHERE NOT EXISTS (SELECT 1 FROM workflow_execution e WHERE e.id = f.workflow_execution_id)",
                "usage with an unknown organization",
                "SELECT count(*) FROM usage u WHERE u.organization_id IS NOT NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = u.organization_id)");
        for (Map.Entry<String, String> check : orphans.entrySet()) {
            assertThat(count(schema, check.getValue())).as(check.getKey()).isZero();
        }
    }

    /** Each of the 12 metrics gets something to count, so a job test over this workload checks them all. */
    private static void assertEveryMetricHasContributions(String schema) throws SQLException {
        String fileOrg = " FROM workflow_file_execution f JOIN workflow_execution e ON e.id = f.workflow_execution_id"
                + " JOIN workflow w ON w.id = e.workflow_id JOIN organization o ON o.id = w.organization_id";
        Map<String, String> metrics = new LinkedHashMap<>();
        metrics.put("documents_processed", "SELECT count(*)" + fileOrg + " WHERE f.status = 'COMPLETED'");
        metrics.put("pages_processed",
                "SELECT count(*) FROM page_usage p JOIN organization o ON o.organization_id = p.organization_id");
        metrics.put("llm_calls", "SELECT count(*) FROM usage WHERE usage_type = 'llm' AND organization_id IS NOT NULL");
        metrics.put("challenges", "SELECT count(*) FROM usage WHERE usage_type = 'llm' AND llm_usage_reason = 'challenge'"
                + " AND organization_id IS NOT NULL");
        metrics.put("summarization_calls", "SELECT count(*) FROM usage WHERE usage_type = 'llm'"
                + " AND llm_usage_reason = 'summarize' AND organization_id IS NOT NULL");
        metrics.put("deployed_api_requests",
                "SELECT count(*) FROM workflow_execution e JOIN api_deployment d ON d.id = e.pipeline_id");
        metrics.put("etl_pipeline_executions", "SELECT count(*) FROM workflow_execution e"
                + " JOIN pipeline p ON p.id = e.pipeline_id WHERE p.pipeline_type = 'ETL'");
        metrics.put("prompt_executions",
                "SELECT count(*) FROM workflow_execution e JOIN workflow w ON w.id = e.workflow_id");
        metrics.put("failed_pages", "SELECT count(*)" + fileOrg
                + " JOIN page_usage p ON p.run_id = f.id::text WHERE f.status = 'ERROR'");
        metrics.put("hitl_reviews", "SELECT count(*) FROM hitl_queue WHERE organization_id IS NOT NULL");
        metrics.put("hitl_completions",
                "SELECT count(*) FROM hitl_queue WHERE state = 'approved' AND approved_at IS NOT NULL");
        for (Map.Entry<String, String> metric : metrics.entrySet()) {
            assertThat(count(schema, metric.getValue())).as("rows counted by %s", metric.getKey()).isPositive();
        }
    }

    /** Rows that must contribute nothing are there too. */
    private static void assertValuesTheJobMustIgnoreOccur(String schema) throws SQLException {
        assertThat(count(schema, "SELECT count(*) FROM page_usage WHERE organization_id = 'mock_org'")).isPositive();
        assertThat(count(schema, "SELECT count(*) FROM page_usage WHERE run_id = ''")).isPositive();
        assertThat(count(schema, "SELECT count(*) FROM usage WHERE organization_id IS NULL")).isPositive();
        assertThat(count(schema, "SELECT count(*) FROM workflow_execution e WHERE e.pipeline_id IS NOT NULL"
                + " AND NOT EXISTS (SELECT 1 FROM pipeline p WHERE p.id = e.pipeline_id)"
                + " AND NOT EXISTS (SELECT 1 FROM api_deployment d WHERE d.id = e.pipeline_id)")).isPositive();
    }

    /** Hour, day and month buckets are all exercised, including the first and last microsecond of an hour. */
    private static void assertTimesSpreadOverBuckets(String schema) throws SQLException {
        String times = "(SELECT created_at FROM workflow_execution UNION ALL SELECT created_at FROM usage"
                + " UNION ALL SELECT created_at FROM page_usage) t";
        assertThat(count(schema, "SELECT count(DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')) FROM " + times))
                .isGreaterThanOrEqualTo(4);
        assertThat(count(schema, "SELECT count(DISTINCT date_trunc('day', created_at AT TIME ZONE 'UTC')) FROM " + times))
                .isGreaterThanOrEqualTo(30);
        assertThat(count(schema, "SELECT count(*) FROM " + times + " WHERE created_at > now() - interval '1 hour'"))
                .isPositive();
        assertThat(count(schema, "SELECT count(*) FROM " + times + " WHERE created_at = date_trunc('hour', created_at)"
                + " OR created_at = date_trunc('hour', created_at) + interval '1 hour' - interval '1 microsecond'"))
                .isPositive();
    }

    private static long count(String schema, String sql) throws SQLException {
        try (Connection connection = database.target(schema).connect(); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
