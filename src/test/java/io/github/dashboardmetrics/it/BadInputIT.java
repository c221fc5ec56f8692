package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.DeadLetter;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input that PostgreSQL itself can hold, streamed through the real CDC source while a
 * randomized workload goes on: NaN and infinite costs, negative and huge page counts, event times
 * far in the past and future, statuses and reasons never seen before, an added and a dropped
 * column, and a TRUNCATE. The job must keep running, put every refused event in the dead-letter table, and the
 * rollups must equal verify's recomputation (which leaves invalid rows out, as the job does) the
 * whole time, including after the bad rows are repaired.
 */
class BadInputIT {
    @Test
    void badRowsGoToDeadLettersAndGoodRowsStayExact(@TempDir Path stateDir) throws Exception {
        long seed = Exactness.seed("BadInputIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(8).withHistoryDays(60).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(1_500);
                // Invalid already when the snapshot reads it.
                Sql.execute(target, "UPDATE page_usage SET pages_processed = -7 WHERE id IN (SELECT id FROM page_usage ORDER BY id LIMIT 2)");

                JobConfig config = new JobConfig(target, target, "it_bad", "it_bad", Startup.INITIAL, stateDir, null,
                        1000, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
                try (RunningJob job = RunningJob.start(config)) {
                    workload.run(500);
                    Exactness.awaitExact(target, target);

                    List<String> expectedReasons = new ArrayList<>();
                    Sql.execute(target, "UPDATE usage SET cost_in_dollars = 'NaN' WHERE id IN"
                            + " (SELECT id FROM usage WHERE usage_type = 'llm' ORDER BY id LIMIT 3)");
                    Sql.execute(target, "UPDATE usage SET cost_in_dollars = '-Infinity' WHERE id IN"
                            + " (SELECT id FROM usage WHERE usage_type = 'llm' ORDER BY id DESC LIMIT 1)");
                    expectedReasons.add("cost_in_dollars is not a finite number");
                    Sql.execute(target, "UPDATE page_usage SET pages_processed = -3 WHERE id IN"
                            + " (SELECT id FROM page_usage ORDER BY id DESC LIMIT 2)");
                    expectedReasons.add("pages_processed is outside");
                    Sql.execute(target, "UPDATE usage SET created_at = '1999-12-31 23:59:59+00' WHERE id IN"
                            + " (SELECT id FROM usage ORDER BY created_at LIMIT 2)");
                    Sql.execute(target, "UPDATE workflow_file_execution SET created_at = '2150-06-01 00:00+00' WHERE id IN"
                            + " (SELECT id FROM workflow_file_execution WHERE status IN ('COMPLETED', 'ERROR') ORDER BY id LIMIT 2)");
                    Sql.execute(target, "UPDATE workflow_execution SET created_at = '1900-01-01 00:00+00' WHERE id IN"
                            + " (SELECT workflow_execution_id FROM workflow_file_execution ORDER BY id DESC LIMIT 1)");
                    expectedReasons.add("created_at is outside");
                    Sql.execute(target, "UPDATE hitl_queue SET state = 'approved', approved_at = '2999-01-01 00:00+00'"
                            + " WHERE id IN (SELECT id FROM hitl_queue ORDER BY id LIMIT 1)");
                    expectedReasons.add("approved_at is outside");
                    // Never seen before, but not errors: applied as any other value the rules do not name.
                    Sql.execute(target, "UPDATE workflow_file_execution SET status = 'PAUSED' WHERE id IN"
                            + " (SELECT id FROM workflow_file_execution WHERE status = 'COMPLETED' ORDER BY id DESC LIMIT 2)");
                    Sql.execute(target, "UPDATE usage SET llm_usage_reason = 'agentic-rerank' WHERE id IN"
                            + " (SELECT id FROM usage WHERE usage_type = 'llm' AND llm_usage_reason = 'challenge' LIMIT 2)");
                    Sql.execute(target, "UPDATE pipeline SET pipeline_type = 'BATCH' WHERE id IN (SELECT id FROM pipeline LIMIT 1)");
                    // An added column, written, then dropped again, while the workload goes on.
                    Sql.execute(target, "ALTER TABLE usage ADD COLUMN review_note text");
                    Sql.execute(target, "UPDATE usage SET review_note = 'checked' WHERE id IN (SELECT id FROM usage ORDER BY id LIMIT 20)");
                    workload.run(500);
                    Sql.execute(target, "ALTER TABLE usage DROP COLUMN review_note");
                    workload.run(500);

                    VerifyReport report = Exactness.awaitExact(target, target);
                    System.out.println(report.summary(5));
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                    List<String[]> letters = Await.until("dead letters of every bad update", Exactness.CATCH_UP,
                            () -> deadLetters(target), rows -> expectedReasons.stream().allMatch(
                                    reason -> rows.stream().anyMatch(r -> r[0].contains(reason))));
                    for (String[] letter : letters) {
                        assertThat(letter[1]).as("action of " + letter[0]).isEqualTo(DeadLetter.ROW_RETRACTED);
                        assertThat(letter[2]).as("position of " + letter[0]).startsWith("lsn=");
                        assertThat(letter[3]).as("payload of " + letter[0]).startsWith("{").contains("\"after\"");
                    }
                    assertThat(letters).as("no dead letter for new statuses, reasons or columns")
                            .noneMatch(r -> r[0].contains("PAUSED") || r[0].contains("review_note"));

                    // Repaired rows count again.
                    Sql.execute(target, "UPDATE usage SET cost_in_dollars = 0.25 WHERE cost_in_dollars = 'NaN'");
                    Sql.execute(target, "UPDATE page_usage SET pages_processed = 1 WHERE pages_processed < 0");
                    workload.run(200);
                    System.out.println(Exactness.awaitExact(target, target).summary(5));
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);

                    // TRUNCATE empties the tables' contributions, as a recomputation would; what is
                    // inserted afterwards counts again.
                    Sql.execute(target, "TRUNCATE page_usage, workflow_file_execution");
                    System.out.println(Exactness.awaitExact(target, target).summary(5));
                    workload.run(500);
                    VerifyReport afterTruncate = Exactness.awaitExact(target, target);
                    System.out.println(afterTruncate.summary(5));
                    assertThat(Sql.longValue(target, "SELECT count(*) FROM event_metrics_daily WHERE metric_name = 'pages_processed'"))
                            .as("pages counted again after the TRUNCATE").isPositive();
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                }
            }
        }
    }

    /** reason, action, source_position, payload of every dead letter. */
    private static List<String[]> deadLetters(DatabaseTarget target) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT reason, action, source_position, payload FROM "
                        + target.schema() + "." + DeadLetterTable.TABLE)) {
            while (rs.next()) {
                rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        return rows;
    }
}
