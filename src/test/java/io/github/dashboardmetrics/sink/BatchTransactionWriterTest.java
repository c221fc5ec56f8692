package io.github.dashboardmetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchTransactionWriter} against a real PostgreSQL with a batch that mixes the rows of the
 * three rollup tables (as one committer per checkpoint writes them), some of which the database
 * refuses (a trigger, a check constraint, a value too long): those, and only those, end in the
 * dead-letter table, in the same transaction as every other row, and the rows keep their order.
 */
class BatchTransactionWriterTest {
    private static final String SCHEMA = "batch_test";
    private static final long HOUR = Instant.parse("2026-01-05T07:00:00Z").toEpochMilli();
    private static final long DAY = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();
    private static final long MONTH = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static EmbeddedDatabase db;
    private static DatabaseTarget target;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema(SCHEMA, false);
        target = db.target(SCHEMA);
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            DeadLetterTable.ensure(c, SCHEMA);
            st.execute("CREATE FUNCTION refuse_org_13() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " IF NEW.organization_id = 13 THEN RAISE EXCEPTION 'organisation 13 is frozen'; END IF;"
                    + " RETURN NEW; END $$");
            st.execute("CREATE TRIGGER refuse_org_13 BEFORE INSERT OR UPDATE ON event_metrics_hourly FOR EACH ROW"
                    + " EXECUTE FUNCTION refuse_org_13()");
            st.execute("ALTER TABLE event_metrics_daily ADD CONSTRAINT value_below_1e9 CHECK (metric_value < 1e9)");
            st.execute("INSERT INTO organization (id, name, display_name, organization_id, modified_at, created_at,"
                    + " allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation)"
                    + " SELECT i, 'o' || i, 'O' || i, 'org_' || i, now(), now(), -1, false, false"
                    + " FROM unnest(ARRAY[1, 2, 3, 13]) i");
            // The writing top-level transaction of each row (xmin would be a savepoint's subtransaction).
            for (Granularity g : Granularity.values()) {
                st.execute("ALTER TABLE " + g.table() + " ADD COLUMN written_by bigint DEFAULT txid_current()");
            }
            st.execute("ALTER TABLE " + DeadLetterTable.TABLE + " ADD COLUMN written_by bigint DEFAULT txid_current()");
        }
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void empty() throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                st.execute("DELETE FROM " + g.table());
            }
            st.execute("DELETE FROM " + DeadLetterTable.TABLE);
        }
    }

    /**
     * One statement per row, as the committer wrote before it became set-based: an upsert of
     * absolute values when the bucket has rows, a delete when it has none (a data-modifying CTE,
     * one half of which matches). {@code guardOrganization}: skip upserts for unknown organisations.
     */
    static String upsertOrDelete(String schema, Granularity g, boolean guardOrganization) {
        DatabaseTarget.requireIdentifier(schema, "schema");
        String table = "\"" + schema + "\".\"" + g.table() + "\"";
        String bucket = "\"" + g.bucketColumn() + "\"";
        String bucketType = g == Granularity.HOURLY ? "timestamptz" : "date";
        String guard = guardOrganization
                ? " AND EXISTS (SELECT 1 FROM \"" + schema + "\".\"organization\" o WHERE o.id = ?::bigint)"
                : "";
        return "WITH removed AS (DELETE FROM " + table
                + " WHERE ?::bigint <= 0 AND organization_id = ?::bigint AND " + bucket + " = ?::" + bucketType
                + " AND metric_name = ? AND project = 'default' AND tag = '')"
                + " INSERT INTO " + table + " (id, created_at, modified_at, " + bucket
                + ", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                + " SELECT gen_random_uuid(), now(), now(), ?::" + bucketType + ", ?, ?, ?::double precision, ?::integer,"
                + " 'default', '', ?::bigint WHERE ?::bigint > 0" + guard
                + " ON CONFLICT (organization_id, " + bucket + ", metric_name, project, tag) DO UPDATE SET"
                + " metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value,"
                + " metric_count = EXCLUDED.metric_count, modified_at = EXCLUDED.modified_at";
    }


    /** Binds a row to the statement of {@link #upsertOrDelete}. */
    static void bindUpsertOrDelete(PreparedStatement ps, RollupRow row, boolean guardOrganization) throws SQLException {
        Object bucket = row.granularity.bucketParameter(row.bucketStart);
        int i = 1;
        // DELETE half
        ps.setLong(i++, row.count);
        ps.setLong(i++, row.orgId);
        ps.setObject(i++, bucket);
        ps.setString(i++, row.metricName);
        // INSERT half
        ps.setObject(i++, bucket);
        ps.setString(i++, row.metricName);
        ps.setString(i++, row.metricType);
        ps.setDouble(i++, row.value);
        ps.setLong(i++, Math.min(row.count, Integer.MAX_VALUE));
        ps.setLong(i++, row.orgId);
        ps.setLong(i++, row.count);
        if (guardOrganization) {
            ps.setLong(i, row.orgId);
        }
    }

    /** The rollup statement of each row's own table, as a single committer of all three would use. */
    private static BatchTransactionWriter.RowStatements<RollupRow> allTables() {
        Map<Granularity, String> sql = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            sql.put(g, upsertOrDelete(SCHEMA, g, false));
        }
        return new BatchTransactionWriter.RowStatements<>() {
            @Override
            public String sql(RollupRow row) {
                return sql.get(row.granularity);
            }

            @Override
            public void bind(PreparedStatement statement, RollupRow row) throws SQLException {
                bindUpsertOrDelete(statement, row, false);
            }
        };
    }

    private static RollupRow row(Granularity g, long org, String metric, double value, long count) {
        long bucket = g == Granularity.HOURLY ? HOUR : g == Granularity.DAILY ? DAY : MONTH;
        return new RollupRow(g, org, metric, "counter", bucket, value, count, 0);
    }

    @Test
    void isolatesTheRefusedRowsOfAMixedBatchAndCommitsTheRestWithTheirDeadLettersInOneTransaction() throws Exception {
        long seed = System.nanoTime();
        System.out.println("BatchTransactionWriterTest seed " + seed);
        Random random = new Random(seed);
        List<RollupRow> rows = new ArrayList<>();
        List<RollupRow> refusedRows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Granularity g = Granularity.values()[random.nextInt(3)];
            int kind = random.nextInt(40);
            RollupRow r;
            if (kind == 0) {
                r = row(g, 13, "m" + i, 1, 1); // hourly: the trigger, P0001; daily and monthly: written
            } else if (kind == 1 && g == Granularity.DAILY) {
                r = row(g, 1, "m" + i, 2e9, 1); // the check constraint: 23514
            } else if (kind == 2) {
                r = row(g, 1, "x".repeat(65) + i, 1, 1); // varchar(64): 22001
            } else if (kind == 3) {
                r = row(g, 99, "m" + i, 1, 1); // no organisation 99: the deferred foreign key, 23503
            } else {
                r = row(g, 1 + random.nextInt(3), "m" + i, i, 1 + i);
            }
            rows.add(r);
            if ((r.orgId == 13 && g == Granularity.HOURLY) || r.orgId == 99 || r.value >= 1e9
                    || r.metricName.length() > 64) {
                refusedRows.add(r);
            }
        }
        // Order: the same key written, refused in between, and written again: the last write wins.
        rows.add(row(Granularity.HOURLY, 2, "ordered", 1, 1));
        RollupRow refusedInBetween = row(Granularity.HOURLY, 13, "ordered", 1, 1);
        rows.add(refusedInBetween);
        refusedRows.add(refusedInBetween);
        rows.add(row(Granularity.HOURLY, 2, "ordered", 7, 7));
        // Whatever the seed: one of each kind.
        for (RollupRow r : List.of(row(Granularity.HOURLY, 13, "a", 1, 1), row(Granularity.DAILY, 1, "b", 3e9, 1),
                row(Granularity.MONTHLY, 1, "y".repeat(70), 1, 1), row(Granularity.MONTHLY, 99, "c", 1, 1))) {
            rows.add(random.nextInt(rows.size()), r);
            refusedRows.add(r);
        }

        SimpleCounter retries = new SimpleCounter();
        SimpleCounter deadLettered = new SimpleCounter();
        List<BatchTransactionWriter.Refused<RollupRow>> refused;
        try (BatchTransactionWriter<RollupRow> writer = new BatchTransactionWriter<>(target, "the rollup tables",
                allTables(), RollupStatements::refused, 2, "batch-test", retries, deadLettered)) {
            refused = writer.write(rows);
        }

        assertThat(refused).extracting(BatchTransactionWriter.Refused::row)
                .as("exactly the refused rows, in their order").containsExactlyElementsOf(
                        rows.stream().filter(refusedRows::contains).toList());
        assertThat(refused).allSatisfy(r -> assertThat(r.error()).containsAnyOf("[SQLState P0001]",
                "[SQLState 23514]", "[SQLState 22001]", "[SQLState 23503]"));
        assertThat(refused).anySatisfy(r -> assertThat(r.error()).contains("[SQLState 23503]"));
        assertThat(refused).anySatisfy(r -> assertThat(r.error()).contains("organisation 13 is frozen"));
        assertThat(deadLettered.getCount()).isEqualTo(refusedRows.size());
        assertThat(retries.getCount()).isZero();

        long written = rows.stream().filter(r -> !refusedRows.contains(r))
                .map(r -> r.granularity + "/" + r.orgId + "/" + r.metricName).distinct().count();
        assertThat(count("SELECT (SELECT count(*) FROM event_metrics_hourly) + (SELECT count(*) FROM event_metrics_daily)"
                + " + (SELECT count(*) FROM event_metrics_monthly)")).isEqualTo(written);
        assertThat(count("SELECT count(*) FROM " + DeadLetterTable.TABLE)).isEqualTo(refusedRows.size());
        assertThat(count("SELECT count(*) FROM " + DeadLetterTable.TABLE + " WHERE action = 'not written'"
                + " AND reason LIKE 'the database refused the write: %'")).isEqualTo(refusedRows.size());
        assertThat(count("SELECT count(DISTINCT x) FROM (SELECT written_by x FROM event_metrics_hourly UNION ALL"
                + " SELECT written_by FROM event_metrics_daily UNION ALL SELECT written_by FROM event_metrics_monthly"
                + " UNION ALL SELECT written_by FROM " + DeadLetterTable.TABLE + ") t"))
                .as("every table and the dead letters: one transaction").isEqualTo(1);
        assertThat(count("SELECT metric_count FROM event_metrics_hourly WHERE metric_name = 'ordered'")).isEqualTo(7);
        assertThat(count("SELECT count(*) FROM event_metrics_hourly WHERE organization_id = 13")).isZero();
        assertThat(count("SELECT count(*) FROM event_metrics_daily WHERE organization_id = 13"))
                .as("the trigger is on the hourly table only").isEqualTo(rows.stream()
                        .filter(r -> r.granularity == Granularity.DAILY && r.orgId == 13).count());
    }

    @Test
    void aBatchWithoutRefusedRowsReturnsNoneAndWritesNoDeadLetter() throws Exception {
        SimpleCounter deadLettered = new SimpleCounter();
        try (BatchTransactionWriter<RollupRow> writer = new BatchTransactionWriter<>(target, "the rollup tables",
                allTables(), RollupStatements::refused, 2, "batch-test", new SimpleCounter(), deadLettered)) {
            assertThat(writer.write(List.of(row(Granularity.HOURLY, 1, "a", 1, 1), row(Granularity.DAILY, 1, "a", 1, 1),
                    row(Granularity.MONTHLY, 1, "a", 1, 1)))).isEmpty();
        }
        assertThat(deadLettered.getCount()).isZero();
        assertThat(count("SELECT count(*) FROM event_metrics_monthly")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + DeadLetterTable.TABLE)).isZero();
    }

    private static long count(String query) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
