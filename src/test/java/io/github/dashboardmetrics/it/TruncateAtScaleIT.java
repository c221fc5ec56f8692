package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.monitoring.PrometheusScrape;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.cache.RedisServer;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TRUNCATE of a table with a million rows in the job's state (RocksDB, as in production), while
 * rows of the other tables keep changing: checkpoints must keep completing while the TRUNCATE is
 * applied, and the rollups must end exact. The million usage rows belong to an organisation of
 * their own, so the rollups show how far the TRUNCATE has got: checkpoints complete while it is
 * applied, and the committer commits none of them alone (the tables never show the TRUNCATE
 * part-way: all of those rows, then none). Committing them showed the TRUNCATE part-way in
 * several polls of every run.
 */
class TruncateAtScaleIT {
    private static final long BULK_ROWS = Long.getLong("truncateRows", 1_000_000L);
    private static final long BULK_ORG = 900_001L;
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_" + JobMetrics.GROUP + "_";
    private static final String WALKS = OPERATOR + JobMetrics.TRUNCATE_WALKS_IN_PROGRESS;
    private static final String COMPLETED_CHECKPOINTS = "flink_jobmanager_job_numberOfCompletedCheckpoints";

    /** One poll while the TRUNCATE is applied. */
    private record Observation(long atMs, double walks, double completedCheckpoints, long bulkLlmCalls) {
        boolean walking() {
            return walks > 0;
        }
    }

    @Test
    void checkpointsKeepCompletingWhileAMillionRowTruncateIsAppliedAndTheRollupsEndExact(@TempDir Path stateDir)
            throws Exception {
        long seed = Exactness.seed("TruncateAtScaleIT");
        int prometheusPort = RedisServer.freePort();
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(4).withHistoryDays(20).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(300);
                long loadStarted = System.nanoTime();
                insertBulkUsage(target);
                System.out.printf("TruncateAtScaleIT: %,d usage rows inserted in %.1f s%n", BULK_ROWS, seconds(loadStarted));

                JobConfig config = new JobConfig(target, target, "it_truncate", "it_truncate", Startup.INITIAL, stateDir,
                        null, 1000, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
                long jobStarted = System.nanoTime();
                try (RunningJob job = RunningJob.start(config, null, prometheusPort)) {
                    Exactness.awaitExact(target, target);
                    assertThat(bulkLlmCalls(target)).as("LLM calls of the bulk organisation").isEqualTo(BULK_ROWS);
                    System.out.printf("TruncateAtScaleIT: snapshot read and exact after %.1f s%n", seconds(jobStarted));

                    List<Observation> seen = new ArrayList<>();
                    long truncated;
                    try (BackgroundWorkload background = BackgroundWorkload.start(workload)) {
                        Sql.execute(target, "TRUNCATE usage");
                        truncated = System.nanoTime();
                        Await.until("the TRUNCATE applied (no LLM call of the bulk organisation left, no walk running)",
                                Exactness.CATCH_UP, () -> {
                                    Observation o = observe(prometheusPort, target, truncated);
                                    seen.add(o);
                                    return o;
                                }, o -> o.bulkLlmCalls() == 0 && !o.walking());
                        System.out.printf("TruncateAtScaleIT: TRUNCATE applied in %.1f s; %,d background changes%n",
                                seconds(truncated), background.changes());
                    }
                    seen.forEach(o -> System.out.println("TruncateAtScaleIT: " + o));

                    assertThat(seen).as("commits that show the TRUNCATE part-way").noneMatch(
                            o -> o.bulkLlmCalls() > 0 && o.bulkLlmCalls() < BULK_ROWS);
                    List<Observation> walking = seen.stream().filter(Observation::walking).toList();
                    assertThat(walking).as("polls while a TRUNCATE walk was in progress").isNotEmpty();
                    assertThat(walking.get(walking.size() - 1).completedCheckpoints())
                            .as("checkpoints completed between the first and the last poll that saw the walk in progress")
                            .isGreaterThan(walking.get(0).completedCheckpoints());

                    workload.run(300);
                    System.out.println(Exactness.awaitExact(target, target).summary(5));
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                }
            }
        }
    }

    /** The million rows: LLM calls of an organisation of their own, spread over 240 hours, in one statement. */
    private static void insertBulkUsage(DatabaseTarget target) throws Exception {
        Sql.execute(target, "INSERT INTO organization (id, name, display_name, organization_id, modified_at, created_at,"
                + " allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation)"
                + " VALUES (" + BULK_ORG + ", 'Bulk', 'Bulk', 'org_bulk', now(), now(), -1, false, false)");
        Sql.execute(target, "INSERT INTO usage (created_at, modified_at, id, adapter_instance_id, usage_type, llm_usage_reason,"
                + " model_name, embedding_tokens, prompt_tokens, completion_tokens, total_tokens, cost_in_dollars,"
                + " organization_id) SELECT t, t, gen_random_uuid(), 'adapter', 'llm', 'extraction', 'gpt', 0, 10, 5, 15,"
                + " 0.25, " + BULK_ORG + " FROM (SELECT date_trunc('hour', now()) - (i % 240) * interval '1 hour'"
                + " + interval '1 minute' AS t FROM generate_series(1, " + BULK_ROWS + ") i) g");
        Sql.execute(target, "ANALYZE usage");
    }

    private static Observation observe(int prometheusPort, DatabaseTarget target, long since) throws Exception {
        PrometheusScrape scrape = PrometheusScrape.of(prometheusPort);
        // Absent from a build that applies a TRUNCATE in one step: never seen walking.
        double walks = scrape.names().contains(WALKS) ? scrape.sum(WALKS) : 0;
        return new Observation((System.nanoTime() - since) / 1_000_000, walks, scrape.sum(COMPLETED_CHECKPOINTS),
                bulkLlmCalls(target));
    }

    /** What the committed monthly rollups count as LLM calls of the bulk organisation. */
    private static long bulkLlmCalls(DatabaseTarget target) throws Exception {
        return Sql.longValue(target, "SELECT coalesce(sum(metric_count), 0) FROM event_metrics_monthly"
                + " WHERE organization_id = " + BULK_ORG + " AND metric_name = 'llm_calls'");
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
