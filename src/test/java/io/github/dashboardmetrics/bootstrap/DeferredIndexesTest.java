package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.PreflightException;
import io.github.dashboardmetrics.verify.SourceRows;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bootstrap --defer-indexes}, against a real PostgreSQL: a shadow schema made as
 * {@code deploy/postgres/04-rebuild-shadow-tables.sql} makes it (copies of Unstract's rollup
 * tables, every index included) ends up with the same rows as without the option and with exactly
 * the indexes it had; a bootstrap that fails leaves them as they were; tables with rows, or owned
 * by another role, are refused up front.
 */
class DeferredIndexesTest {
    private static final String LIVE = "unstract";
    private static final String SHADOW = "unstract_rebuild";
    private static final Instant NOW = Instant.parse("2026-03-10T12:30:00Z");
    private static final VerifyScope SCOPE = new VerifyScope(null, null, null, 3, 30, 0, NOW);
    private static final long HOUR = Instant.parse("2026-03-10T07:00:00Z").toEpochMilli();
    private static final long DAY = Instant.parse("2026-03-09T00:00:00Z").toEpochMilli();
    private static EmbeddedDatabase db;
    private static DatabaseTarget shadow;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema(LIVE, true);
        try (Connection c = db.target(LIVE).connect(); Statement st = c.createStatement()) {
            new SourceRows(c).organization(1, "org_1").organization(2, "org_2");
            // The shadow schema as the deployment scripts make it, with the lines --defer-indexes asks
            // to uncomment: the rollup role owns the shadow rollup tables.
            st.execute(Files.readString(Path.of("deploy/postgres/01-prerequisites.sql")));
            String shadowTables = Files.readString(Path.of("deploy/postgres/04-rebuild-shadow-tables.sql"));
            assertThat(shadowTables).contains("-- ALTER TABLE " + SHADOW + ".event_metrics_hourly OWNER TO dashboard_metrics;")
                    .contains("-- GRANT CREATE ON SCHEMA " + SHADOW + " TO dashboard_metrics;");
            st.execute(shadowTables.replace("-- ALTER TABLE ", "ALTER TABLE ").replace("-- GRANT CREATE ", "GRANT CREATE "));
            // An index in a shape the copy must keep: partial, on an expression, with a comment.
            st.execute("CREATE INDEX recent_costs ON " + SHADOW + ".event_metrics_daily (lower(metric_name))"
                    + " WHERE metric_value > 0");
            st.execute("COMMENT ON INDEX " + SHADOW + ".recent_costs IS 'the dashboard''s cost panel'");
            st.execute("CREATE ROLE someone_else LOGIN");
            st.execute("GRANT USAGE, CREATE ON SCHEMA " + SHADOW + " TO someone_else");
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + SHADOW + " TO someone_else");
        }
        // The job's own role, not a superuser: what it may do as the tables' owner is all it gets.
        shadow = new DatabaseTarget(db.jdbcUrl(), "dashboard_metrics", "change-me", SHADOW);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void emptyShadowTables() throws Exception {
        try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                st.execute("TRUNCATE " + g.table());
            }
        }
    }

    @Test
    void theRowsAreWrittenAndEveryIndexIsBuiltAgainAsItWas() throws Exception {
        List<String> indexesBefore = indexes();
        assertThat(indexesBefore).hasSizeGreaterThan(20).anyMatch(i -> i.contains("recent_costs"))
                .anyMatch(i -> i.contains("the dashboard's cost panel"));
        int deferred;
        try (StagedRollups staged = new StagedRollups(shadow, () -> SCOPE, true)) {
            for (int i = 0; i < StagedRollups.ROWS_PER_COPY + 3; i++) { // more than one batch
                staged.add(new RollupRow(Granularity.HOURLY, 1 + i % 2, "metric_" + i, "counter", HOUR, i, 1, 0L));
            }
            staged.add(new RollupRow(Granularity.DAILY, 1, "documents_processed", "counter", DAY, 5, 5, 0L));
            // Once the first batch is merged the secondary indexes are gone, inside the transaction.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (staged.upserted() < StagedRollups.ROWS_PER_COPY && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(staged.upserted()).isEqualTo(StagedRollups.ROWS_PER_COPY);
            deferred = staged.deferredIndexes();
            staged.finish();
        }
        // Every index of the three tables: the keys, Django's and Unstract's, and the partial one.
        assertThat(deferred).isEqualTo(indexesBefore.stream().filter(i -> !i.startsWith("constraint ")).count());
        assertThat(indexes()).isEqualTo(indexesBefore);
        assertThat(count("event_metrics_hourly")).isEqualTo(StagedRollups.ROWS_PER_COPY + 3);
        assertThat(count("event_metrics_daily")).isEqualTo(1);
        // And the planner uses a rebuilt index.
        try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
            st.execute("ANALYZE event_metrics_hourly");
            st.execute("SET enable_seqscan = off");
            assertThat(plan(st, "SELECT * FROM event_metrics_hourly WHERE project = 'default'"))
                    .contains("Index").doesNotContain("Seq Scan");
        }
    }

    @Test
    void aBootstrapThatFailsLeavesTheIndexesAsTheyWere() throws Exception {
        List<String> indexesBefore = indexes();
        try (StagedRollups staged = new StagedRollups(shadow, () -> SCOPE, true)) {
            for (int i = 0; i < StagedRollups.ROWS_PER_COPY; i++) {
                staged.add(new RollupRow(Granularity.HOURLY, 1, "m" + i, "counter", HOUR, 1, 1, 0L));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (staged.upserted() < StagedRollups.ROWS_PER_COPY && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(staged.deferredIndexes()).isPositive();
            // closed without finish: the bootstrap failed after the rows began to arrive
        }
        assertThat(indexes()).isEqualTo(indexesBefore);
        assertThat(count("event_metrics_hourly")).isZero();
    }

    @Test
    void tablesWithRowsAreRefusedUpFront() throws Exception {
        try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO event_metrics_monthly (id, created_at, modified_at, month, metric_name, metric_type,"
                    + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), now(), now(),"
                    + " '2026-01-01', 'llm_calls', 'counter', 1, 1, 'default', '', 1)");
        }
        assertThatThrownBy(() -> DeferredIndexes.requireEmptyOwnedTables(shadow)).isInstanceOf(PreflightException.class)
                .hasMessageContaining("\"" + SHADOW + "\".\"event_metrics_monthly\" holds rows");
    }

    @Test
    void tablesOfAnotherRoleAreRefusedUpFront() {
        DeferredIndexes.requireEmptyOwnedTables(shadow); // empty, and the rollup role owns them
        DatabaseTarget notOwner = new DatabaseTarget(db.jdbcUrl(), "someone_else", "", SHADOW);
        assertThatThrownBy(() -> DeferredIndexes.requireEmptyOwnedTables(notOwner)).isInstanceOf(PreflightException.class)
                .hasMessageContaining("belongs to dashboard_metrics")
                .hasMessageContaining("OWNER TO someone_else");
    }

    @Test
    void aSchemaTheRoleMayNotCreateInIsRefusedUpFront() throws Exception {
        // Owning the tables is enough to drop their indexes, not to build them again: that is a new relation of the schema.
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("REVOKE CREATE ON SCHEMA " + SHADOW + " FROM dashboard_metrics");
        }
        try {
            assertThatThrownBy(() -> DeferredIndexes.requireEmptyOwnedTables(shadow)).isInstanceOf(PreflightException.class)
                    .hasMessageContaining("--defer-indexes: dashboard_metrics may not create in schema " + SHADOW)
                    .hasMessageContaining("GRANT CREATE ON SCHEMA " + SHADOW + " TO dashboard_metrics");
        } finally {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("GRANT CREATE ON SCHEMA " + SHADOW + " TO dashboard_metrics");
            }
        }
    }

    @Test
    void tablesWhoseKeysAForeignKeyReferencesAreRefusedUpFront() throws Exception {
        try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE annotation (id bigint PRIMARY KEY, hourly_id uuid REFERENCES event_metrics_hourly (id))");
        }
        try {
            assertThatThrownBy(() -> DeferredIndexes.requireEmptyOwnedTables(shadow)).isInstanceOf(PreflightException.class)
                    .hasMessageContaining("--defer-indexes: foreign keys reference \"" + SHADOW + "\".\"event_metrics_hourly\"")
                    .hasMessageContaining(" of annotation");
        } finally {
            try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE annotation");
            }
        }
    }

    @Test
    void rowsWrittenBetweenTheCheckAndTheWriteFailTheWrite() throws Exception {
        DeferredIndexes.requireEmptyOwnedTables(shadow);
        try (Connection c = shadow.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO event_metrics_daily (id, created_at, modified_at, date, metric_name, metric_type,"
                    + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), now(), now(),"
                    + " '2026-03-09', 'llm_calls', 'counter', 1, 1, 'default', '', 1)");
        }
        List<String> indexesBefore = indexes();
        try (StagedRollups staged = new StagedRollups(shadow, () -> SCOPE, true)) {
            staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 5, 5, 0L));
            assertThatThrownBy(staged::finish).isInstanceOf(SQLException.class)
                    .hasMessageContaining("event_metrics_daily\" received rows while the bootstrap read");
        }
        assertThat(indexes()).isEqualTo(indexesBefore);
        assertThat(count("event_metrics_daily")).isEqualTo(1);
        assertThat(count("event_metrics_hourly")).isZero();
    }

    @Test
    void aTableAnotherSessionHoldsFailsTheWriteAfterTheLockTimeout() throws Exception {
        List<String> indexesBefore = indexes();
        DatabaseTarget oneSecondLocks = new DatabaseTarget(db.jdbcUrl(), shadow.user(), "change-me", SHADOW,
                new DatabaseTarget.Timeouts(10, 0, 1));
        try (Connection reader = shadow.connect(); Statement st = reader.createStatement()) {
            reader.setAutoCommit(false);
            st.executeQuery("SELECT count(*) FROM event_metrics_daily").close(); // holds its lock until it ends
            try (StagedRollups staged = new StagedRollups(oneSecondLocks, () -> SCOPE, true)) {
                staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 5, 5, 0L));
                assertThatThrownBy(staged::finish).isInstanceOf(SQLException.class)
                        .hasMessageContaining("--defer-indexes: could not lock \"" + SHADOW + "\".\"event_metrics_daily\"")
                        .hasMessageContaining("lock timeout");
            }
            reader.rollback();
        }
        assertThat(indexes()).isEqualTo(indexesBefore);
        assertThat(count("event_metrics_hourly")).isZero();
    }

    @Test
    void aKeyWrittenTwiceFailsTheBootstrapWhenTheUniqueKeyIsAddedAgain() throws Exception {
        List<String> indexesBefore = indexes();
        try (StagedRollups staged = new StagedRollups(shadow, () -> SCOPE, true)) {
            staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 5, 5, 0L));
            staged.add(new RollupRow(Granularity.HOURLY, 1, "documents_processed", "counter", HOUR, 6, 6, 0L));
            assertThatThrownBy(staged::finish).isInstanceOf(SQLException.class).hasMessageContaining("is duplicated");
        }
        assertThat(indexes()).isEqualTo(indexesBefore);
        assertThat(count("event_metrics_hourly")).isZero();
    }

    /**
     * Every index of the shadow schema (name, definition, comment), and every constraint (name,
     * definition, comment): the keys are dropped and added again too.
     */
    private static List<String> indexes() throws SQLException {
        List<String> indexes = firstColumn("SELECT i.relname || ' ' || pg_get_indexdef(i.oid) || ' '"
                + " || coalesce(obj_description(i.oid, 'pg_class'), '') FROM pg_index x JOIN pg_class i ON i.oid ="
                + " x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace JOIN pg_class t ON t.oid = x.indrelid"
                + " WHERE n.nspname = '" + SHADOW + "' AND t.relname LIKE 'event\\_metrics\\_%' ORDER BY i.relname");
        indexes.addAll(firstColumn("SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' '"
                + " || pg_get_constraintdef(k.oid) || ' ' || coalesce(obj_description(k.oid, 'pg_constraint'), '')"
                + " FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace"
                + " WHERE n.nspname = '" + SHADOW + "' ORDER BY 1"));
        return indexes;
    }

    private static List<String> firstColumn(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = shadow.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static long count(String table) throws SQLException {
        try (Connection c = shadow.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String plan(Statement st, String query) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN " + query)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
