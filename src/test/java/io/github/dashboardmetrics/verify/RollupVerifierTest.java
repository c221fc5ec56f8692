package io.github.dashboardmetrics.verify;

import static io.github.dashboardmetrics.metric.Metric.CHALLENGES;
import static io.github.dashboardmetrics.metric.Metric.DEPLOYED_API_REQUESTS;
import static io.github.dashboardmetrics.metric.Metric.DOCUMENTS_PROCESSED;
import static io.github.dashboardmetrics.metric.Metric.ETL_PIPELINE_EXECUTIONS;
import static io.github.dashboardmetrics.metric.Metric.FAILED_PAGES;
import static io.github.dashboardmetrics.metric.Metric.HITL_COMPLETIONS;
import static io.github.dashboardmetrics.metric.Metric.HITL_REVIEWS;
import static io.github.dashboardmetrics.metric.Metric.LLM_CALLS;
import static io.github.dashboardmetrics.metric.Metric.LLM_USAGE;
import static io.github.dashboardmetrics.metric.Metric.PAGES_PROCESSED;
import static io.github.dashboardmetrics.metric.Metric.PROMPT_EXECUTIONS;
import static io.github.dashboardmetrics.metric.Metric.SUMMARIZATION_CALLS;
import static io.github.dashboardmetrics.rollup.Granularity.DAILY;
import static io.github.dashboardmetrics.rollup.Granularity.HOURLY;
import static io.github.dashboardmetrics.rollup.Granularity.MONTHLY;
import static io.github.dashboardmetrics.verify.SourceRows.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.verify.Difference.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The oracle against a real PostgreSQL: a hand-built fixture touching every metric and rule, the
 * rollup rows the spec gives for it (declared by hand next to each source row), then one
 * corruption at a time.
 */
class RollupVerifierTest {
    private static final String SCHEMA = "unstract";
    /** The clock of every verification here. */
    private static final Instant NOW = Instant.parse("2024-03-15T12:00:00Z");
    /** The job keeps hourly buckets from NOW - 30 days, truncated to the hour (its retention horizon). */
    private static final Instant HOURLY_KEPT_FROM = Instant.parse("2024-02-14T12:00:00Z");
    /** ... and daily buckets from NOW - 365 days (2024 is a leap year), truncated to the day. */
    private static final Instant DAILY_KEPT_FROM = Instant.parse("2023-03-16T00:00:00Z");
    private static final VerifyScope EVERYTHING = VerifyScope.everything(NOW);

    private static final long ORG_A = 1;
    private static final long ORG_B = 2;
    private static final long ORG_C = 3;

    private static EmbeddedUnstract db;
    private static HandRollups hand;
    private static TimeZone jvmTimeZone;

    @BeforeAll
    static void startDatabase() throws Exception {
        // A session time zone of +05:30 makes any bucketing that is not explicitly UTC fail.
        jvmTimeZone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
        db = EmbeddedUnstract.start();
        db.createSchema(SCHEMA, true);
        hand = new HandRollups(HOURLY_KEPT_FROM, DAILY_KEPT_FROM);
        try (Connection c = db.connect(SCHEMA)) {
            loadFixture(new SourceRows(c), hand);
        }
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (db != null) {
            db.close();
        }
        TimeZone.setDefault(jvmTimeZone);
    }

    /** Every test starts from the correct rollup tables. */
    @BeforeEach
    void writeCorrectRollups() throws SQLException {
        try (Connection c = db.connect(SCHEMA)) {
            hand.writeTo(c);
        }
    }

    // ----------------------------------------------------------------------------------------
    // The fixture. Each source row is followed by what the spec says it contributes.
    // ----------------------------------------------------------------------------------------

    private static final UUID WF_A = id("workflow of A");
    private static final UUID WF_B = id("workflow of B");
    private static final UUID WF_NO_ORG = id("workflow without organisation");
    private static final UUID ETL_OF_B = id("ETL pipeline of B");
    private static final UUID TASK_OF_A = id("TASK pipeline of A");
    private static final UUID ETL_NO_ORG = id("ETL pipeline without organisation");
    private static final UUID API_OF_B = id("API deployment of B");
    private static final UUID EX_TASK = id("execution via TASK pipeline");
    private static final UUID EX_MANUAL_B = id("manual execution of B");
    private static final UUID EX_API_NO_WORKFLOW_ORG = id("API execution of a workflow without organisation");
    private static final UUID EX_ORPHAN = id("execution of a deleted workflow");
    private static final UUID FE_FAILED_ONE_PAGE_ROW = id("failed file, one page row");
    private static final UUID FE_FAILED_TWO_PAGE_ROWS = id("failed file, two page rows");
    private static final UUID FE_PENDING = id("pending file");
    private static final UUID FE_FAILED_ORPHAN = id("failed file of a deleted workflow");

    private static void loadFixture(SourceRows src, HandRollups hand) throws SQLException {
        src.organization(ORG_A, "org_alpha").organization(ORG_B, "org_beta").organization(ORG_C, "org_gamma");
        src.workflow(WF_A, ORG_A).workflow(WF_B, ORG_B).workflow(WF_NO_ORG, null);
        // The ETL pipeline and the API deployment belong to B but run A's workflow: the spec
        // attributes them by their own organisation, prompt_executions by the workflow's.
        src.pipeline(ETL_OF_B, ORG_B, "ETL", WF_A).pipeline(TASK_OF_A, ORG_A, "TASK", WF_A)
                .pipeline(ETL_NO_ORG, null, "ETL", WF_A);
        src.apiDeployment(API_OF_B, ORG_B, WF_A);

        // workflow_execution: prompt_executions, etl_pipeline_executions, deployed_api_requests
        src.execution(id("ETL execution"), WF_A, ETL_OF_B, "2024-03-01T00:00:00Z"); // first instant of March
        hand.count(ORG_A, PROMPT_EXECUTIONS, "2024-03-01T00:00:00Z")
                .count(ORG_B, ETL_PIPELINE_EXECUTIONS, "2024-03-01T00:00:00Z");
        // March 1st in +05:00 is still February 29th in UTC.
        src.execution(id("API execution"), WF_A, API_OF_B, "2024-03-01T04:59:59.999+05:00");
        hand.count(ORG_A, PROMPT_EXECUTIONS, "2024-02-29T23:59:59.999Z")
                .count(ORG_B, DEPLOYED_API_REQUESTS, "2024-02-29T23:59:59.999Z");
        src.execution(EX_TASK, WF_A, TASK_OF_A, "2024-03-10T10:15:00Z"); // TASK: neither ETL nor API
        hand.count(ORG_A, PROMPT_EXECUTIONS, "2024-03-10T10:15:00Z");
        src.execution(EX_MANUAL_B, WF_B, null, "2024-03-10T10:45:00Z");
        hand.count(ORG_B, PROMPT_EXECUTIONS, "2024-03-10T10:45:00Z");
        src.execution(EX_API_NO_WORKFLOW_ORG, WF_NO_ORG, API_OF_B, "2024-03-10T11:00:00Z");
        hand.count(ORG_B, DEPLOYED_API_REQUESTS, "2024-03-10T11:00:00Z"); // no prompt_executions: workflow org NULL
        src.executionOfDeletedWorkflow(EX_ORPHAN, ETL_NO_ORG, "2024-03-10T11:30:00Z"); // nothing resolves
        src.execution(id("execution of a pipeline id pointing nowhere"), WF_A, id("no such pipeline"),
                "2024-03-11T00:30:00Z");
        hand.count(ORG_A, PROMPT_EXECUTIONS, "2024-03-11T00:30:00Z");
        src.execution(id("old ETL execution"), WF_B, ETL_OF_B, "2024-01-10T08:00:00Z"); // hourly bucket dropped
        hand.count(ORG_B, PROMPT_EXECUTIONS, "2024-01-10T08:00:00Z")
                .count(ORG_B, ETL_PIPELINE_EXECUTIONS, "2024-01-10T08:00:00Z");
        src.execution(id("ancient execution"), WF_A, null, "2022-12-31T23:30:00Z"); // only the month is kept
        hand.count(ORG_A, PROMPT_EXECUTIONS, "2022-12-31T23:30:00Z");

        // workflow_file_execution: documents_processed, failed_pages (organisation of the workflow)
        src.fileExecution(id("completed file of A"), EX_TASK, "COMPLETED", "2024-03-10T10:20:00Z");
        hand.count(ORG_A, DOCUMENTS_PROCESSED, "2024-03-10T10:20:00Z");
        src.fileExecution(id("failed file, no page rows"), EX_TASK, "ERROR", "2024-03-10T10:25:00Z");
        hand.add(ORG_A, FAILED_PAGES, "2024-03-10T10:25:00Z", 0);
        src.fileExecution(FE_FAILED_ONE_PAGE_ROW, EX_TASK, "ERROR", "2024-03-10T10:30:00Z");
        hand.add(ORG_A, FAILED_PAGES, "2024-03-10T10:30:00Z", 3);
        src.fileExecution(FE_FAILED_TWO_PAGE_ROWS, EX_MANUAL_B, "ERROR", "2024-03-10T10:50:00Z");
        hand.add(ORG_B, FAILED_PAGES, "2024-03-10T10:50:00Z", 2 + 5); // one row, both page rows summed
        src.fileExecution(FE_PENDING, EX_MANUAL_B, "PENDING", "2024-03-10T10:55:00Z");
        src.fileExecution(id("stopped file"), EX_TASK, "STOPPED", "2024-03-10T10:56:00Z");
        src.fileExecution(id("completed file of B"), EX_MANUAL_B, "COMPLETED", "2024-03-10T11:05:00Z");
        hand.count(ORG_B, DOCUMENTS_PROCESSED, "2024-03-10T11:05:00Z");
        src.fileExecution(id("completed file, workflow without org"), EX_API_NO_WORKFLOW_ORG, "COMPLETED",
                "2024-03-10T11:06:00Z");
        src.fileExecution(FE_FAILED_ORPHAN, EX_ORPHAN, "ERROR", "2024-03-10T11:31:00Z");

        // page_usage: pages_processed, organisation by organization.organization_id string
        src.pageUsage(id("pages A 3"), "org_alpha", FE_FAILED_ONE_PAGE_ROW.toString(), 3, "2024-03-10T10:31:00Z");
        hand.add(ORG_A, PAGES_PROCESSED, "2024-03-10T10:31:00Z", 3);
        src.pageUsage(id("pages B 2"), "org_beta", FE_FAILED_TWO_PAGE_ROWS.toString(), 2, "2024-03-10T10:51:00Z");
        hand.add(ORG_B, PAGES_PROCESSED, "2024-03-10T10:51:00Z", 2);
        // The page row's own organisation counts for pages_processed, even for B's file.
        src.pageUsage(id("pages A 5"), "org_alpha", FE_FAILED_TWO_PAGE_ROWS.toString(), 5, "2024-03-10T11:01:00Z");
        hand.add(ORG_A, PAGES_PROCESSED, "2024-03-10T11:01:00Z", 5);
        src.pageUsage(id("pages of pending file"), "org_beta", FE_PENDING.toString(), 6, "2024-03-10T10:56:00Z");
        hand.add(ORG_B, PAGES_PROCESSED, "2024-03-10T10:56:00Z", 6);
        src.pageUsage(id("zero pages"), "org_beta", "", 0, "2024-03-11T23:59:59Z");
        hand.add(ORG_B, PAGES_PROCESSED, "2024-03-11T23:59:59Z", 0); // a row with value 0, count 1
        src.pageUsage(id("pages of orphan file"), "org_beta", FE_FAILED_ORPHAN.toString(), 9, "2024-03-10T11:32:00Z");
        hand.add(ORG_B, PAGES_PROCESSED, "2024-03-10T11:32:00Z", 9);
        src.pageUsage(id("mock org pages"), "mock_org", "", 4, "2024-03-10T12:00:00Z"); // unknown string
        src.pageUsage(id("upper-case org pages"), "ORG_ALPHA", "", 4, "2024-03-10T12:00:00Z"); // exact match only

        // usage: llm_calls, llm_usage, challenges, summarization_calls
        src.usage(id("extraction"), ORG_A, "llm", "extraction", 0.1, "2024-03-10T10:00:00Z");
        llmRow(hand, ORG_A, "2024-03-10T10:00:00Z", 0.1);
        src.usage(id("challenge"), ORG_A, "llm", "challenge", 0.2, "2024-03-10T10:59:59.999999Z");
        llmRow(hand, ORG_A, "2024-03-10T10:59:59.999999Z", 0.2).count(ORG_A, CHALLENGES, "2024-03-10T10:59:59.999999Z");
        src.usage(id("summarize"), ORG_A, "llm", "summarize", 0.3, "2024-03-10T11:00:00Z");
        llmRow(hand, ORG_A, "2024-03-10T11:00:00Z", 0.3).count(ORG_A, SUMMARIZATION_CALLS, "2024-03-10T11:00:00Z");
        src.usage(id("embedding"), ORG_A, "embedding", "challenge", 5.0, "2024-03-10T10:10:00Z"); // not llm
        src.usage(id("usage without org"), null, "llm", "challenge", 1.0, "2024-03-10T10:10:00Z");
        src.usage(id("null reason, oldest kept hour"), ORG_B, "llm", null, 0.05, "2024-02-14T12:30:00Z");
        llmRow(hand, ORG_B, "2024-02-14T12:30:00Z", 0.05);
        src.usage(id("empty reason, first compared hour"), ORG_B, "llm", "", 0.07, "2024-02-14T13:30:00Z");
        llmRow(hand, ORG_B, "2024-02-14T13:30:00Z", 0.07);
        src.usage(id("challenge before the hourly horizon"), ORG_B, "llm", "challenge", 1e-7, "2024-02-14T11:59:59Z");
        llmRow(hand, ORG_B, "2024-02-14T11:59:59Z", 1e-7).count(ORG_B, CHALLENGES, "2024-02-14T11:59:59Z");
        src.usage(id("lookup, oldest kept day"), ORG_A, "llm", "lookup", 0.4, "2023-03-16T05:00:00Z");
        llmRow(hand, ORG_A, "2023-03-16T05:00:00Z", 0.4);
        src.usage(id("summarize, first compared day"), ORG_A, "llm", "summarize", 0.6, "2023-03-17T00:00:00Z");
        llmRow(hand, ORG_A, "2023-03-17T00:00:00Z", 0.6).count(ORG_A, SUMMARIZATION_CALLS, "2023-03-17T00:00:00Z");
        src.usage(id("before the daily horizon"), ORG_A, "llm", "extraction", 0.5, "2023-03-15T23:00:00Z");
        llmRow(hand, ORG_A, "2023-03-15T23:00:00Z", 0.5);

        // hitl_queue: hitl_reviews by created_at, hitl_completions by approved_at
        src.hitl(id("approved"), ORG_A, "approved", "2024-03-09T22:00:00Z", "2024-03-10T01:00:00Z");
        hand.count(ORG_A, HITL_REVIEWS, "2024-03-09T22:00:00Z").count(ORG_A, HITL_COMPLETIONS, "2024-03-10T01:00:00Z");
        src.hitl(id("approved without approved_at"), ORG_A, "approved", "2024-03-09T22:10:00Z", null);
        hand.count(ORG_A, HITL_REVIEWS, "2024-03-09T22:10:00Z");
        src.hitl(id("pending with approved_at"), ORG_B, "pending", "2024-03-10T02:00:00Z", "2024-03-10T02:30:00Z");
        hand.count(ORG_B, HITL_REVIEWS, "2024-03-10T02:00:00Z");
        src.hitl(id("hitl without org"), null, "approved", "2024-03-10T03:00:00Z", "2024-03-10T03:10:00Z");
        src.hitl(id("approved in the next month"), ORG_C, "approved", "2024-01-31T23:00:00Z", "2024-02-01T00:00:00Z");
        hand.count(ORG_C, HITL_REVIEWS, "2024-01-31T23:00:00Z").count(ORG_C, HITL_COMPLETIONS, "2024-02-01T00:00:00Z");
    }

    /** An llm usage row: one llm_calls and its cost in llm_usage. */
    private static HandRollups llmRow(HandRollups hand, long org, String when, double cost) {
        return hand.count(org, LLM_CALLS, when).add(org, LLM_USAGE, when, cost);
    }

    // ----------------------------------------------------------------------------------------

    @Test
    void handModelReadsTheSpecLikeThis() {
        assertThat(hand.total(HOURLY, ORG_A, "2024-03-10T10:00:00Z", FAILED_PAGES)).containsExactly(3, 2);
        assertThat(hand.total(HOURLY, ORG_B, "2024-03-10T10:00:00Z", FAILED_PAGES)).containsExactly(7, 1);
        assertThat(hand.total(HOURLY, ORG_B, "2024-03-10T10:00:00Z", PAGES_PROCESSED)).containsExactly(8, 2);
        assertThat(hand.total(MONTHLY, ORG_A, "2024-02-01T00:00:00Z", PROMPT_EXECUTIONS)).containsExactly(1, 1);
        assertThat(hand.total(HOURLY, ORG_B, "2024-02-14T11:00:00Z", LLM_CALLS)).isNull();
        assertThat(hand.total(DAILY, ORG_A, "2023-03-15T00:00:00Z", LLM_CALLS)).isNull();
        assertThat(hand.total(MONTHLY, ORG_A, "2023-03-01T00:00:00Z", LLM_USAGE))
                .containsExactly(new double[] {1.5, 3}, within(1e-12));
    }

    @Test
    void correctRollupsAreEqual() throws SQLException {
        VerifyReport report = verify(EVERYTHING);

        assertThat(report.differences()).isEmpty();
        assertThat(report.isEqual()).isTrue();
        assertThat(report.notes()).isEmpty();
        // The compared rows: the hourly row in the oldest kept hour (2024-02-14T12) is skipped.
        assertThat(report.table(HOURLY).expectedRows()).isEqualTo(hand.rows(HOURLY) - 2);
        assertThat(report.table(DAILY).expectedRows()).isEqualTo(hand.rows(DAILY) - 2); // and the day 2023-03-16
        assertThat(report.table(MONTHLY).expectedRows()).isEqualTo(hand.rows(MONTHLY));
        assertThat(report.table(MONTHLY).actualRows()).isEqualTo(hand.rows(MONTHLY));
        assertThat(report.summary(20)).contains("EQUAL", "event_metrics_hourly", "event_metrics_monthly");
    }

    @Test
    void everyMetricIsCovered() throws SQLException {
        VerifyReport report = verify(EVERYTHING);
        assertThat(report.isEqual()).isTrue();
        Set<String> compared = new HashSet<>();
        try (Connection c = db.connect(SCHEMA); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT DISTINCT metric_name FROM event_metrics_monthly")) {
            while (rs.next()) {
                compared.add(rs.getString(1));
            }
        }
        assertThat(compared).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(Metric.values()).map(Metric::metricName).toList());
    }

    @Test
    void missingRow() throws SQLException {
        db.execute(SCHEMA, "DELETE FROM event_metrics_hourly WHERE organization_id = 1"
                + " AND \"timestamp\" = '2024-03-10T10:00:00Z' AND metric_name = 'documents_processed'");

        VerifyReport report = verify(EVERYTHING);

        assertThat(report.differences())
                .extracting(Difference::kind, Difference::table, Difference::organizationId, Difference::bucket,
                        Difference::metricName, Difference::expected, Difference::actual)
                .containsExactly(tuple(Kind.MISSING, "event_metrics_hourly", ORG_A,
                        Instant.parse("2024-03-10T10:00:00Z"), "documents_processed",
                        new RollupValue("counter", 1, 1), null));
        assertThat(report.isEqual()).isFalse();
        assertThat(report.summary(20)).contains("NOT EQUAL", "MISSING event_metrics_hourly org=1 "
                + "bucket=2024-03-10T10:00:00Z metric=documents_processed");
    }

    @Test
    void extraRow() throws SQLException {
        insertRow(DAILY, ORG_B, "2024-03-12T00:00:00Z", "llm_calls", "counter", 1, 1);

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::table, Difference::organizationId, Difference::bucket,
                        Difference::metricName)
                .containsExactly(tuple(Kind.EXTRA, "event_metrics_daily", ORG_B, Instant.parse("2024-03-12T00:00:00Z"),
                        "llm_calls"));
    }

    @Test
    void wrongValue() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET metric_value = metric_value + 0.001"
                + " WHERE organization_id = 1 AND month = '2024-03-01' AND metric_name = 'llm_usage'");

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::table, Difference::organizationId, Difference::metricName)
                .containsExactly(tuple(Kind.WRONG_VALUE, "event_metrics_monthly", ORG_A, "llm_usage"));
    }

    @Test
    void valuesWithinTheToleranceAreEqual() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET metric_value = metric_value * (1 + 1e-11)"
                + " WHERE metric_name = 'llm_usage'");
        // The zero-page row: float dust below 1e-12 is still zero.
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_value = 1e-13"
                + " WHERE organization_id = 2 AND date = '2024-03-11' AND metric_name = 'pages_processed'");

        assertThat(verify(EVERYTHING).differences()).isEmpty();
    }

    @Test
    void wrongCount() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_hourly SET metric_count = 1 WHERE organization_id = 1"
                + " AND \"timestamp\" = '2024-03-10T10:00:00Z' AND metric_name = 'failed_pages'");

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::table, Difference::metricName, Difference::expected,
                        Difference::actual)
                .containsExactly(tuple(Kind.WRONG_COUNT, "event_metrics_hourly", "failed_pages",
                        new RollupValue("histogram", 3, 2), new RollupValue("histogram", 3, 1)));
    }

    @Test
    void rowsWithZeroCountAreDifferences() throws SQLException {
        // What Unstract's Celery task writes for an hour without challenges.
        insertRow(HOURLY, ORG_B, "2024-03-10T10:00:00Z", "challenges", "counter", 0, 0);
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_count = 0 WHERE organization_id = 2"
                + " AND date = '2024-03-10' AND metric_name = 'documents_processed'");

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::table, Difference::metricName)
                .containsExactly(tuple(Kind.EXTRA, "event_metrics_hourly", "challenges"),
                        tuple(Kind.WRONG_COUNT, "event_metrics_daily", "documents_processed"));
    }

    @Test
    void wrongType() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_type = 'histogram' WHERE organization_id = 1"
                + " AND date = '2024-03-10' AND metric_name = 'prompt_executions'");

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::table, Difference::metricName)
                .containsExactly(tuple(Kind.WRONG_TYPE, "event_metrics_daily", "prompt_executions"));
    }

    @Test
    void rowsWithAnotherProjectOrTagAreReported() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET project = 'other' WHERE organization_id = 2"
                + " AND month = '2024-03-01' AND metric_name = 'documents_processed'");
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET tag = 'x' WHERE organization_id = 3"
                + " AND month = '2024-02-01' AND metric_name = 'hitl_completions'");

        VerifyReport report = verify(EVERYTHING);

        assertThat(report.differences())
                .extracting(Difference::kind, Difference::organizationId, Difference::metricName,
                        d -> d.key().project(), d -> d.key().tag())
                .containsExactly(
                        tuple(Kind.MISSING, ORG_B, "documents_processed", "default", ""),
                        tuple(Kind.EXTRA, ORG_B, "documents_processed", "other", ""),
                        tuple(Kind.MISSING, ORG_C, "hitl_completions", "default", ""),
                        tuple(Kind.EXTRA, ORG_C, "hitl_completions", "default", "x"));
        assertThat(report.summary(20)).contains("project='other' tag=''");
    }

    @Test
    void rowsWithoutOrganisationAreExtra() throws SQLException {
        insertRow(HOURLY, null, "2024-03-10T10:00:00Z", "llm_calls", "counter", 1, 1);

        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::organizationId)
                .containsExactly(tuple(Kind.EXTRA, null));
    }

    @Test
    void bucketsBeyondRetentionAndTheOldestKeptBucketAreNotCompared() throws SQLException {
        // Stale rows the job would have dropped (or Unstract's cleanup not yet deleted) ...
        insertRow(HOURLY, ORG_B, "2024-02-14T11:00:00Z", "llm_calls", "counter", 1, 1);
        insertRow(HOURLY, ORG_B, "2024-01-10T08:00:00Z", "prompt_executions", "counter", 5, 5);
        insertRow(DAILY, ORG_A, "2023-03-15T00:00:00Z", "llm_calls", "counter", 7, 7);
        // ... and the oldest kept buckets, which the job may be dropping right now.
        db.execute(SCHEMA, "DELETE FROM event_metrics_hourly WHERE \"timestamp\" = '2024-02-14T12:00:00Z'");
        db.execute(SCHEMA, "DELETE FROM event_metrics_daily WHERE date = '2023-03-16'");

        assertThat(verify(EVERYTHING).differences()).isEmpty();

        // The next bucket is compared.
        db.execute(SCHEMA, "DELETE FROM event_metrics_hourly WHERE \"timestamp\" = '2024-02-14T13:00:00Z'"
                + " AND metric_name = 'llm_calls'");
        assertThat(verify(EVERYTHING).differences())
                .extracting(Difference::kind, Difference::bucket, Difference::metricName)
                .containsExactly(tuple(Kind.MISSING, Instant.parse("2024-02-14T13:00:00Z"), "llm_calls"));

        // With unlimited retention every bucket is compared: the buckets the job dropped are
        // MISSING, the stale rows wrong.
        VerifyScope unlimited = new VerifyScope(null, null, null, 0, 0, 0, NOW);
        assertThat(verify(unlimited).differences()).extracting(Difference::kind)
                .contains(Kind.MISSING, Kind.WRONG_COUNT, Kind.WRONG_VALUE);
    }

    @Test
    void organisationScope() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_count = 5 WHERE organization_id = 2"
                + " AND date = '2024-03-10' AND metric_name = 'documents_processed'");

        VerifyReport orgA = verify(EVERYTHING.withOrg(ORG_A));
        assertThat(orgA.isEqual()).isTrue();
        assertThat(orgA.table(DAILY).actualRows()).isEqualTo(hand.rows(DAILY, ORG_A) - 2); // 2023-03-16 skipped
        assertThat(orgA.table(MONTHLY).expectedRows()).isEqualTo(hand.rows(MONTHLY, ORG_A));

        assertThat(verify(EVERYTHING.withOrg(ORG_B)).differences())
                .extracting(Difference::kind, Difference::organizationId)
                .containsExactly(tuple(Kind.WRONG_COUNT, ORG_B));
        VerifyReport unknown = verify(EVERYTHING.withOrg(99L));
        assertThat(unknown.table(MONTHLY).expectedRows()).isZero();
        assertThat(unknown.notes()).contains("organisation 99 is not in unstract.organization: no rows of it are expected");
        assertThat(orgA.notes()).noneMatch(note -> note.startsWith("organisation"));
    }

    @Test
    void dayScope() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_hourly SET metric_count = 2 WHERE organization_id = 1"
                + " AND \"timestamp\" = '2024-03-11T00:00:00Z' AND metric_name = 'prompt_executions'");
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_value = 1 WHERE organization_id = 2"
                + " AND date = '2024-03-11' AND metric_name = 'pages_processed'");

        assertThat(verify(EVERYTHING.withDays(day("2024-03-10"), day("2024-03-10"))).differences()).isEmpty();
        assertThat(verify(EVERYTHING.withDays(day("2024-03-11"), day("2024-03-11"))).differences())
                .extracting(Difference::kind, Difference::table)
                .containsExactly(tuple(Kind.WRONG_COUNT, "event_metrics_hourly"),
                        tuple(Kind.WRONG_VALUE, "event_metrics_daily"));
        assertThat(verify(EVERYTHING.withDays(day("2024-03-11"), null)).isEqual()).isFalse();
        assertThat(verify(EVERYTHING.withDays(null, day("2024-03-10"))).isEqual()).isTrue();

        // The execution at 04:59:59.999+05:00 on March 1st is in February 29th's last UTC hour.
        VerifyReport leapDay = verify(EVERYTHING.withDays(day("2024-02-29"), day("2024-02-29")));
        assertThat(leapDay.table(HOURLY).expectedRows()).isEqualTo(2);
        assertThat(leapDay.table(DAILY).expectedRows()).isEqualTo(2);
        assertThat(leapDay.isEqual()).isTrue();
    }

    @Test
    void monthsOverlappingTheDayRangeAreCompared() throws SQLException {
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET metric_value = 9 WHERE organization_id = 1"
                + " AND month = '2024-03-01' AND metric_name = 'llm_usage'");

        VerifyReport lastDayOfMarch = verify(EVERYTHING.withDays(day("2024-03-31"), day("2024-03-31")));
        assertThat(lastDayOfMarch.differences())
                .extracting(Difference::kind, Difference::table, Difference::bucket)
                .containsExactly(tuple(Kind.WRONG_VALUE, "event_metrics_monthly", Instant.parse("2024-03-01T00:00:00Z")));
        assertThat(lastDayOfMarch.table(HOURLY).expectedRows()).isZero();

        assertThat(verify(EVERYTHING.withDays(day("2024-02-01"), day("2024-02-29"))).isEqual()).isTrue();
    }

    @Test
    void sourceWithoutHitlQueue() throws Exception {
        String oss = "unstract_oss";
        db.createSchema(oss, false);
        HandRollups ossHand = new HandRollups(HOURLY_KEPT_FROM, DAILY_KEPT_FROM);
        try (Connection c = db.connect(oss)) {
            new SourceRows(c).organization(ORG_A, "org_alpha")
                    .usage(id("oss usage"), ORG_A, "llm", "challenge", 0.25, "2024-03-14T09:15:00Z");
            llmRow(ossHand, ORG_A, "2024-03-14T09:15:00Z", 0.25).count(ORG_A, CHALLENGES, "2024-03-14T09:15:00Z");
            ossHand.writeTo(c);
        }
        DatabaseTarget target = db.target(oss);

        VerifyReport report = RollupVerifier.verify(target, target, EVERYTHING);
        assertThat(report.isEqual()).isTrue();
        assertThat(report.table(HOURLY).expectedRows()).isEqualTo(3);
        assertThat(report.notes()).singleElement().asString().contains("hitl_queue");

        try (Connection c = db.connect(oss)) {
            RollupTables.insert(c, HOURLY, ORG_A, Instant.parse("2024-03-14T09:00:00Z"), "hitl_reviews", "counter", 1,
                    1, RollupKey.DEFAULT_PROJECT, RollupKey.DEFAULT_TAG);
        }
        assertThat(RollupVerifier.verify(target, target, EVERYTHING).differences())
                .extracting(Difference::kind, Difference::metricName)
                .containsExactly(tuple(Kind.EXTRA, "hitl_reviews"));
    }

    // ----------------------------------------------------------------------------------------

    @Test
    void inOneDatabaseTheRollupsAreReadInTheSnapshotOfTheRecomputation() throws Exception {
        // A rollup row committed while the recomputation runs (it waits for a lock on a source
        // table that is released with that commit) is on neither side: both are read in the
        // snapshot the verification began with. Read in a later snapshot, it was an EXTRA row.
        ExecutorService verifier = Executors.newSingleThreadExecutor();
        try (Connection other = db.connect(SCHEMA)) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("LOCK TABLE usage IN ACCESS EXCLUSIVE MODE");
            }
            Future<VerifyReport> report = verifier.submit(() -> verify(EVERYTHING));
            awaitASessionWaitingForALock();
            RollupTables.insert(other, DAILY, ORG_B, Instant.parse("2024-03-12T00:00:00Z"), "llm_calls", "counter", 1, 1,
                    RollupKey.DEFAULT_PROJECT, RollupKey.DEFAULT_TAG);
            other.commit();

            assertThat(report.get(60, TimeUnit.SECONDS).differences()).as("committed after the snapshot began").isEmpty();
            assertThat(verify(EVERYTHING).differences()).as("a verification begun after it sees it")
                    .extracting(Difference::kind).containsExactly(Kind.EXTRA);
        } finally {
            verifier.shutdownNow();
        }
    }

    @Test
    void aRowThatAgreesInARecheckIsNotReported() throws Exception {
        // What the job had not committed at the first comparison agrees at a later one: here the
        // missing row is written after the first comparison, as the job's next commit would. The
        // EXTRA row stays wrong and is reported; a row that was equal at the first comparison and
        // is changed afterwards is not compared again.
        String missing = "DELETE FROM event_metrics_hourly WHERE organization_id = 1"
                + " AND \"timestamp\" = '2024-03-10T10:00:00Z' AND metric_name = 'documents_processed'";
        db.execute(SCHEMA, missing);
        insertRow(DAILY, ORG_B, "2024-03-12T00:00:00Z", "llm_calls", "counter", 1, 1);
        List<String> progress = new ArrayList<>();
        Recheck recheck = new Recheck(Duration.ofSeconds(2), Duration.ofMillis(50), line -> {
            if (progress.isEmpty()) {
                try {
                    insertRow(HOURLY, ORG_A, "2024-03-10T10:00:00Z", "documents_processed", "counter", 1, 1);
                    db.execute(SCHEMA, "UPDATE event_metrics_monthly SET metric_value = metric_value + 1");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
            progress.add(line);
        });

        VerifyReport report = RollupVerifier.verify(db.target(SCHEMA), db.target(SCHEMA), EVERYTHING, recheck);

        assertThat(report.differences()).extracting(Difference::kind, Difference::table, Difference::organizationId)
                .containsExactly(tuple(Kind.EXTRA, "event_metrics_daily", ORG_B));
        assertThat(progress).first().asString().contains("2 rollup rows differ");
        assertThat(report.notes()).anySatisfy(note -> assertThat(note)
                .contains("1 of the 2 rollup rows that differed at the first comparison agreed at a recheck"));
        assertThat(verify(EVERYTHING).differences()).as("the monthly rows changed after the first comparison")
                .extracting(Difference::table).contains("event_metrics_monthly");
    }

    @Test
    void rechecksEndAtTheirTimeAndReportWhatStillDiffers() throws Exception {
        db.execute(SCHEMA, "UPDATE event_metrics_hourly SET metric_count = 7 WHERE organization_id = 1");
        List<String> progress = new ArrayList<>();

        VerifyReport report = RollupVerifier.verify(db.target(SCHEMA), db.target(SCHEMA), EVERYTHING,
                new Recheck(Duration.ofMillis(300), Duration.ofMillis(100), progress::add));

        assertThat(report.differences()).isNotEmpty().extracting(Difference::kind).containsOnly(Kind.WRONG_COUNT);
        assertThat(report.differences()).hasSameSizeAs(verify(EVERYTHING).differences());
        assertThat(progress).hasSizeBetween(2, 4).last().asString().contains("still differ");
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("differed at every recheck"));
    }

    @Test
    void aRowStillChangingAtTheSourceIsToldApart() throws Exception {
        // Two wrong rows; the source of one of them changes after the first comparison (a row
        // still receiving changes): both are reported, and the note says which kind one is.
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_count = metric_count + 5 WHERE organization_id = 1"
                + " AND \"date\" = '2024-03-10' AND metric_name = 'documents_processed'");
        db.execute(SCHEMA, "UPDATE event_metrics_daily SET metric_count = metric_count + 5 WHERE organization_id = 2"
                + " AND \"date\" = '2024-02-14' AND metric_name = 'llm_calls'");
        UUID changing = id("a usage row written between the comparisons");
        List<String> progress = new ArrayList<>();
        try {
            VerifyReport report = RollupVerifier.verify(db.target(SCHEMA), db.target(SCHEMA), EVERYTHING,
                    new Recheck(Duration.ofMillis(200), Duration.ofMillis(100), line -> {
                        if (progress.isEmpty()) {
                            try (Connection c = db.connect(SCHEMA)) {
                                new SourceRows(c).usage(changing, ORG_B, "llm", "extraction", 0.5, "2024-02-14T15:30:00Z");
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        progress.add(line);
                    }));

            assertThat(report.differences()).extracting(Difference::kind, Difference::organizationId)
                    .containsExactly(tuple(Kind.WRONG_COUNT, ORG_A), tuple(Kind.WRONG_VALUE, ORG_B),
                            tuple(Kind.WRONG_COUNT, ORG_B)); // the new usage row: a counter's value is its count
            assertThat(report.notes()).anySatisfy(note -> assertThat(note)
                    .contains("2 rollup rows differed at every recheck", "1 of them changed at the source meanwhile"));
        } finally {
            db.execute(SCHEMA, "DELETE FROM usage WHERE id = '" + changing + "'");
        }
    }

    @Test
    void withoutDifferencesThereIsNoRecheck() throws Exception {
        List<String> progress = new ArrayList<>();

        VerifyReport report = RollupVerifier.verify(db.target(SCHEMA), db.target(SCHEMA), EVERYTHING,
                new Recheck(Duration.ofSeconds(30), Duration.ofMillis(50), progress::add));

        assertThat(report.isEqual()).isTrue();
        assertThat(progress).isEmpty();
    }

    /** Until some session waits for a lock (pg_stat_activity), for at most 10 s. */
    private static void awaitASessionWaitingForALock() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Connection c = db.connect(SCHEMA); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the verification did not wait for the lock within 10 s");
            }
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    private static VerifyReport verify(VerifyScope scope) throws SQLException {
        return RollupVerifier.verify(db.target(SCHEMA), db.target(SCHEMA), scope);
    }

    private static void insertRow(Granularity g, Long org, String bucket, String metric, String type, double value,
            long count) throws SQLException {
        try (Connection c = db.connect(SCHEMA)) {
            RollupTables.insert(c, g, org, Instant.parse(bucket), metric, type, value, count,
                    RollupKey.DEFAULT_PROJECT, RollupKey.DEFAULT_TAG);
        }
    }

    private static LocalDate day(String isoDate) {
        return LocalDate.parse(isoDate);
    }
}
