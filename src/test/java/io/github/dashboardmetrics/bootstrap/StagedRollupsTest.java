package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.backfill.BackfillWriter;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.verify.BucketWindow;
import io.github.dashboardmetrics.verify.SourceRows;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap's rollup write: final rows merged in batches as they arrive, then the tables made
 * to hold exactly them inside verify's scope, in one transaction. Against a real PostgreSQL: rows that are
 * right are left alone, wrong ones rewritten, missing ones inserted, unwanted ones in the window
 * deleted, everything outside the window untouched, and nothing at all without the final step.
 */
class StagedRollupsTest {
    private static final String SCHEMA = "staged_test";
    private static final Instant NOW = Instant.parse("2026-03-10T12:30:00Z");
    /** Hourly buckets kept 3 days, daily 30, monthly without limit. */
    private static final VerifyScope SCOPE = new VerifyScope(null, null, null, 3, 30, 0, NOW);
    private static final long HOUR = Instant.parse("2026-03-10T07:00:00Z").toEpochMilli();
    private static final long OLD_HOUR = Instant.parse("2026-03-01T07:00:00Z").toEpochMilli();
    private static final long DAY = Instant.parse("2026-03-09T00:00:00Z").toEpochMilli();
    private static final long MONTH = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    private static final String UNTOUCHED = "2000-01-01 00:00:00+00";
    private static EmbeddedDatabase db;
    private static DatabaseTarget target;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema(SCHEMA, false);
        target = db.target(SCHEMA);
        try (Connection c = target.connect()) {
            new SourceRows(c).organization(1, "org_1").organization(2, "org_2").organization(3, "org_3");
        }
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void tablesHoldOldRows() throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                st.execute("DELETE FROM " + g.table());
            }
            insert(st, "event_metrics_hourly", "timestamp", "'2026-03-10 07:00+00'", 1, "documents_processed", 5, 5, "default");
            insert(st, "event_metrics_hourly", "timestamp", "'2026-03-10 07:00+00'", 1, "pages_processed", 1, 1, "default");
            insert(st, "event_metrics_hourly", "timestamp", "'2026-03-10 07:00+00'", 2, "llm_calls", 4, 2, "default");
            insert(st, "event_metrics_hourly", "timestamp", "'2026-03-01 07:00+00'", 2, "pages_processed", 9, 9, "default");
            insert(st, "event_metrics_daily", "date", "'2026-03-09'", 1, "documents_processed", 5, 5, "other");
        }
    }

    @Test
    void theWindowEndsUpHoldingExactlyTheStagedRows() throws Exception {
        List<RollupRow> bulk = new ArrayList<>();
        for (int i = 0; i < 2 * StagedRollups.ROWS_PER_COPY + 7; i++) { // more than one COPY
            bulk.add(new RollupRow(Granularity.MONTHLY, 3, "bulk_" + i, "counter", MONTH, i, 1, 0L));
        }
        BackfillWriter.Applied applied;
        try (StagedRollups staged = new StagedRollups(target, () -> SCOPE)) {
            staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 5, 5, 0L)); // as it is
            staged.add(new RollupRow(Granularity.HOURLY, 1, "pages_processed", "counter", HOUR, 0.1 + 0.2, 2, 0L)); // wrong
            staged.add(new RollupRow(Granularity.HOURLY, 1, "odd\tname\\", "histogram", HOUR, 1e-300, 1, 0L)); // missing
            staged.add(new RollupRow(Granularity.HOURLY, 1, "too_old", "counter", OLD_HOUR, 1, 1, 0L)); // outside
            staged.add(new RollupRow(Granularity.HOURLY, 1, "went_empty", "counter", HOUR, 0, 0, 0L)); // not a row
            staged.add(new RollupRow(Granularity.DAILY, 1, "documents_processed", "counter", DAY, 5, 5, 0L));
            for (RollupRow row : bulk) {
                staged.add(row);
            }
            assertThat(staged.staged()).isEqualTo(5 + bulk.size());
            applied = staged.finish();
        }

        // Upserted: the wrong hour, the missing hour, the daily row of the default project, the bulk.
        assertThat(applied.upserted()).isEqualTo(3 + bulk.size());
        // Deleted: org 2's hour in the window, and the daily row of another project.
        assertThat(applied.deleted()).isEqualTo(2);
        assertThat(rows("event_metrics_hourly")).containsExactlyInAnyOrder(
                "1|2026-03-10 07:00:00+00|documents_processed|counter|5.0|5|" + UNTOUCHED,
                "1|2026-03-10 07:00:00+00|pages_processed|counter|0.30000000000000004|2|new",
                "1|2026-03-10 07:00:00+00|odd\tname\\|histogram|1.0E-300|1|new",
                "2|2026-03-01 07:00:00+00|pages_processed|counter|9.0|9|" + UNTOUCHED);
        assertThat(rows("event_metrics_daily")).containsExactly("1|2026-03-09|documents_processed|counter|5.0|5|new");
        List<String> monthly = rows("event_metrics_monthly");
        assertThat(monthly).hasSize(bulk.size());
        assertThat(monthly).contains("3|2025-01-01|bulk_" + (bulk.size() - 1) + "|counter|" + (double) (bulk.size() - 1) + "|1|new");
    }

    @Test
    void nothingChangesWithoutTheFinalStep() throws Exception {
        List<String> before = rows("event_metrics_hourly");
        try (StagedRollups staged = new StagedRollups(target, () -> SCOPE)) {
            for (int i = 0; i < StagedRollups.ROWS_PER_COPY + 1; i++) {
                staged.add(new RollupRow(Granularity.HOURLY, 1, "m" + i, "counter", HOUR, 1, 1, 0L));
            }
            // A batch is merged (by the writer thread: polled), uncommitted: a reader still sees the old rows.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (staged.upserted() < StagedRollups.ROWS_PER_COPY && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(staged.upserted()).isEqualTo(StagedRollups.ROWS_PER_COPY);
            assertThat(rows("event_metrics_hourly")).isEqualTo(before);
        }
        assertThat(rows("event_metrics_hourly")).isEqualTo(before);
        assertThat(rows("event_metrics_monthly")).isEmpty();
    }

    @Test
    void aBatchTheDatabaseRefusesFailsTheWriteAndLeavesTheTablesAlone() throws Exception {
        List<String> before = rows("event_metrics_hourly");
        try (StagedRollups staged = new StagedRollups(target, () -> SCOPE)) {
            // Organisation 99 does not exist: the foreign key refuses the batch on the writer thread.
            for (int i = 0; i < StagedRollups.ROWS_PER_COPY; i++) {
                staged.add(new RollupRow(Granularity.HOURLY, 99, "m" + i, "counter", HOUR, 1, 1, 0L));
            }
            staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 5, 5, 0L));
            assertThatThrownBy(staged::finish).isInstanceOf(SQLException.class).hasMessageContaining("foreign key");
        }
        assertThat(rows("event_metrics_hourly")).isEqualTo(before);
    }

    @Test
    void withNothingStagedTheWindowIsEmptied() throws Exception {
        BackfillWriter.Applied applied;
        try (StagedRollups staged = new StagedRollups(target, () -> SCOPE)) {
            applied = staged.finish();
        }
        assertThat(applied.upserted()).isZero();
        assertThat(applied.deleted()).isEqualTo(4);
        assertThat(rows("event_metrics_hourly")).containsExactly("2|2026-03-01 07:00:00+00|pages_processed|counter|9.0|9|" + UNTOUCHED);
        assertThat(rows("event_metrics_daily")).isEmpty();
    }

    @Test
    void theFinalDeleteIsOneAntiJoinNotASubqueryPerRow() throws Exception {
        // Planned per row, the staged rows were scanned once per row of the window: hours for a
        // window of 2M rows (the rows the batches have just written are in it too).
        Granularity g = Granularity.HOURLY;
        BucketWindow window = SCOPE.window(g);
        StringBuilder plan = new StringBuilder();
        try (StagedRollups staged = new StagedRollups(target, () -> SCOPE); Connection c = target.connect();
                Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE " + StagedRollups.stagingTable(g) + " (" + StagedRollups.keyColumns(g) + ")");
            try (PreparedStatement explain = c.prepareStatement("EXPLAIN " + staged.deleteUnstaged(g, window))) {
                Object[] bounds = StagedRollups.bounds(g, window);
                for (int i = 0; i < bounds.length; i++) {
                    explain.setObject(i + 1, bounds[i]);
                }
                try (ResultSet rs = explain.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            }
        }
        assertThat(plan.toString()).contains("Anti Join").doesNotContain("SubPlan");
    }

    private static void insert(Statement st, String table, String bucketColumn, String bucket, long org, String metric,
            double value, int count, String project) throws Exception {
        st.execute("INSERT INTO " + table + " (id, created_at, modified_at, \"" + bucketColumn + "\", metric_name, metric_type,"
                + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), '" + UNTOUCHED
                + "', '" + UNTOUCHED + "', " + bucket + ", '" + metric + "', 'counter', " + value + ", " + count + ", '"
                + project + "', '', " + org + ")");
    }

    /** Each row as org|bucket|metric|type|value|count|modified_at, the last "new" when it was written now. */
    private static List<String> rows(String table) throws Exception {
        Granularity g = Granularity.valueOf(table.substring("event_metrics_".length()).toUpperCase(Locale.ROOT));
        String bucket = g == Granularity.HOURLY ? "to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'"
                : "\"" + g.bucketColumn() + "\"::text";
        List<String> rows = new ArrayList<>();
        try (Connection c = target.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT organization_id, " + bucket + ", metric_name, metric_type, metric_value,"
                        + " metric_count, modified_at < now() - interval '1 day' AS old FROM " + table + " ORDER BY 1, 2, 3")) {
            while (rs.next()) {
                rows.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                        + rs.getDouble(5) + "|" + rs.getInt(6) + "|" + (rs.getBoolean(7) ? UNTOUCHED : "new"));
            }
        }
        return rows;
    }
}
