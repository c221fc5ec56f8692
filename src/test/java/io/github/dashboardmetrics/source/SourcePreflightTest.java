package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The checks {@code run} makes before starting, against a real PostgreSQL. */
class SourcePreflightTest {
    private static EmbeddedDatabase db;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema("unstract", true);
        db.createUnstractSchema("oss", false);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE no_replication LOGIN");
            st.execute("GRANT USAGE ON SCHEMA unstract TO no_replication");
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA unstract TO no_replication");
            st.execute("CREATE ROLE replicator LOGIN REPLICATION");
            st.execute("GRANT USAGE ON SCHEMA unstract TO replicator");
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA unstract TO replicator");
            st.execute("CREATE SCHEMA empty");
        }
        db.createUnstractSchema("identity", false);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static DatabaseTarget as(String user, String schema) {
        return new DatabaseTarget(db.jdbcUrl(), user, "", schema);
    }

    private static List<String> published(String publication) throws Exception {
        List<String> tables = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT tablename FROM pg_publication_tables WHERE pubname = '"
                        + publication + "' ORDER BY 1")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    @Test
    void createsThePublicationOfExactlyTheCapturedTables() throws Exception {
        DatabaseTarget t = db.target("unstract");
        SourcePreflight.Result r = SourcePreflight.check(t, t, "pf_full");
        assertThat(r.capturedTables()).contains("hitl_queue").hasSize(9);
        assertThat(r.rollupBesideOrganization()).isTrue();
        assertThat(published("pf_full")).containsExactlyInAnyOrderElementsOf(r.capturedTables())
                .doesNotContain("event_metrics_hourly");
    }

    @Test
    void createsTheProgressTableOrSaysWhatAnAdministratorMustRun() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA progress_pf");
            st.execute("CREATE TABLE progress_pf.event_metrics_hourly (LIKE unstract.event_metrics_hourly INCLUDING ALL)");
            st.execute("CREATE TABLE progress_pf.event_metrics_daily (LIKE unstract.event_metrics_daily INCLUDING ALL)");
            st.execute("CREATE TABLE progress_pf.event_metrics_monthly (LIKE unstract.event_metrics_monthly INCLUDING ALL)");
        }
        DatabaseTarget owner = db.target("progress_pf");
        SourcePreflight.checkRollupTables(owner);
        assertThat(io.github.dashboardmetrics.sink.ProgressTable.read(owner)).as("created, empty").isEmpty();

        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE progress_pf.dashboard_metrics_progress");
            st.execute("CREATE ROLE no_create LOGIN");
            st.execute("GRANT USAGE ON SCHEMA progress_pf TO no_create");
            st.execute("GRANT SELECT, INSERT ON progress_pf.dashboard_metrics_dead_letter TO no_create");
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON progress_pf.event_metrics_hourly,"
                    + " progress_pf.event_metrics_daily, progress_pf.event_metrics_monthly TO no_create");
        }
        assertThatThrownBy(() -> SourcePreflight.checkRollupTables(as("no_create", "progress_pf")))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("progress table progress_pf.dashboard_metrics_progress is missing")
                .hasMessageContaining("CREATE TABLE IF NOT EXISTS \"progress_pf\".\"dashboard_metrics_progress\"")
                .hasMessageContaining("GRANT SELECT, INSERT, UPDATE, DELETE ON progress_pf.dashboard_metrics_progress TO no_create");

        SourcePreflight.checkRollupTables(owner);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("GRANT SELECT, INSERT ON progress_pf.dashboard_metrics_progress TO no_create");
        }
        assertThatThrownBy(() -> SourcePreflight.checkRollupTables(as("no_create", "progress_pf")))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("no_create may not write the progress table");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("GRANT UPDATE, DELETE ON progress_pf.dashboard_metrics_progress TO no_create");
        }
        SourcePreflight.checkRollupTables(as("no_create", "progress_pf"));

        // A table created before source_offsets: a role that may not add the column is told how; the owner adds it.
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE progress_pf.dashboard_metrics_progress DROP COLUMN source_offsets");
        }
        assertThatThrownBy(() -> SourcePreflight.checkRollupTables(as("no_create", "progress_pf")))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("has no column source_offsets")
                .hasMessageContaining("ALTER TABLE \"progress_pf\".\"dashboard_metrics_progress\" ADD COLUMN IF NOT EXISTS"
                        + " source_offsets jsonb");
        SourcePreflight.checkRollupTables(owner);
        SourcePreflight.checkRollupTables(as("no_create", "progress_pf"));
    }

    @Test
    void completesAnIncompletePublicationAndRunsWithoutHitlQueue() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE PUBLICATION pf_partial FOR TABLE oss.usage");
        }
        DatabaseTarget t = db.target("oss");
        SourcePreflight.Result r = SourcePreflight.check(t, t, "pf_partial");
        assertThat(r.capturedTables()).doesNotContain("hitl_queue").hasSize(8);
        assertThat(published("pf_partial")).hasSize(8);
    }

    @Test
    void namesTheMissingReplicationPrivilege() {
        assertThatThrownBy(() -> SourcePreflight.check(as("no_replication", "unstract"), db.target("unstract"), "pf_x"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("REPLICATION")
                .hasMessageContaining("ALTER ROLE no_replication WITH REPLICATION");
    }

    @Test
    void namesTheGrantWhenTheRollupRoleMayNotMarkTheJobsPositionInTheWal() throws Exception {
        try (Connection c = as("replicator", "unstract").connect()) {
            PositionMark.requirePrivilege(c, "replicator"); // PUBLIC may, by default
        }
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("REVOKE EXECUTE ON FUNCTION " + PositionMark.FUNCTION + " FROM PUBLIC");
        }
        try (Connection c = as("replicator", "unstract").connect()) {
            assertThatThrownBy(() -> PositionMark.requirePrivilege(c, "replicator"))
                    .isInstanceOf(PreflightException.class)
                    .hasMessageContaining("GRANT EXECUTE ON FUNCTION " + PositionMark.FUNCTION + " TO replicator");
            assertThatThrownBy(() -> SourcePreflight.requirePositionMarkPrivilege(as("replicator", "unstract")))
                    .isInstanceOf(PreflightException.class)
                    .hasMessageContaining("GRANT EXECUTE ON FUNCTION " + PositionMark.FUNCTION + " TO replicator");
        } finally {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("GRANT EXECUTE ON FUNCTION " + PositionMark.FUNCTION + " TO PUBLIC");
            }
        }
    }

    @Test
    void saysWhatToRunWhenThePublicationCannotBeCreated() {
        assertThatThrownBy(() -> SourcePreflight.check(as("replicator", "unstract"), db.target("unstract"), "pf_denied"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("cannot create")
                .hasMessageContaining("CREATE PUBLICATION \"pf_denied\" FOR TABLE");
    }

    @Test
    void reportsMissingTablesAndBadNames() {
        DatabaseTarget empty = db.target("empty");
        assertThatThrownBy(() -> SourcePreflight.check(empty, empty, "pf_y"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("source tables missing in schema empty")
                .hasMessageContaining("workflow_execution");
        assertThatThrownBy(() -> SourcePreflight.check(db.target("unstract"), empty, "pf_z"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("rollup table empty.event_metrics_hourly is missing");
        assertThatThrownBy(() -> SourcePreflight.check(db.target("unstract"), db.target("unstract"), "bad-name; DROP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publication name");
    }

    @Test
    void refusesASlotInUseOrOfAnotherKind() throws Exception {
        DatabaseTarget t = db.target("unstract");
        SourcePreflight.requireSlotAvailable(t, "pf_absent_slot"); // created by the source later
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('pf_test_decoding', 'test_decoding')");
            st.execute("SELECT pg_create_logical_replication_slot('pf_busy', 'pgoutput')");
        }
        assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "pf_test_decoding"))
                .isInstanceOf(PreflightException.class).hasMessageContaining("belongs to something else");
        SourcePreflight.requireSlotAvailable(t, "pf_busy"); // inactive: a stopped job resumes from it
        try (var streaming = io.github.dashboardmetrics.demo.ReplicationClient.streamFrom(db, "pf_busy")) {
            assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "pf_busy", java.time.Duration.ofSeconds(1)))
                    .isInstanceOf(PreflightException.class).hasMessageContaining("is in use by another process");
            // application mode: main() runs again after a JobManager failover while the job's own
            // restored source streams from the slot: accepted (with a warning), at once
            SourcePreflight.requireSlotAvailable(t, "pf_busy", true);
            assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "pf_busy", java.time.Duration.ZERO))
                    .as("still refused outside application mode").isInstanceOf(PreflightException.class);
        }
        assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "bad slot"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot name");
    }

    @Test
    void refusesAPublicationThatDoesNotPublishEveryKindOfChange() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE PUBLICATION pf_no_truncate FOR TABLE unstract.usage WITH (publish = 'insert, update, delete')");
            st.execute("CREATE PUBLICATION pf_inserts FOR TABLE unstract.usage WITH (publish = 'insert, update')");
        }
        DatabaseTarget t = db.target("unstract");
        assertThatThrownBy(() -> SourcePreflight.check(t, t, "pf_no_truncate"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("publication pf_no_truncate does not publish truncate:")
                .hasMessageContaining("ALTER PUBLICATION \"pf_no_truncate\" SET (publish = 'insert, update, delete, truncate')");
        assertThatThrownBy(() -> SourcePreflight.check(t, t, "pf_inserts"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("publication pf_inserts does not publish delete, truncate:");
        assertThat(published("pf_inserts")).as("refused before it was completed").containsExactly("usage");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER PUBLICATION pf_inserts SET (publish = 'insert, update, delete, truncate')");
        }
        assertThat(SourcePreflight.check(t, t, "pf_inserts").capturedTables()).hasSize(9);
    }

    @Test
    void refusesACapturedTableWhoseChangesCarryNoKey() throws Exception {
        DatabaseTarget t = db.target("identity");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE identity.page_usage REPLICA IDENTITY NOTHING");
        }
        assertThatThrownBy(() -> SourcePreflight.check(t, t, "pf_identity"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("captured table identity.page_usage has REPLICA IDENTITY NOTHING")
                .hasMessageContaining("ALTER TABLE identity.page_usage REPLICA IDENTITY DEFAULT");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE identity.page_usage REPLICA IDENTITY DEFAULT");
            st.execute("DO $$ BEGIN EXECUTE (SELECT format('ALTER TABLE identity.page_usage DROP CONSTRAINT %I', conname)"
                    + " FROM pg_constraint WHERE conrelid = 'identity.page_usage'::regclass AND contype = 'p'); END $$");
        }
        assertThatThrownBy(() -> SourcePreflight.check(t, t, "pf_identity"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("identity.page_usage has no primary key for its REPLICA IDENTITY DEFAULT");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE identity.page_usage REPLICA IDENTITY FULL");
        }
        assertThat(SourcePreflight.check(t, t, "pf_identity").capturedTables()).contains("page_usage");
    }

    @Test
    void refusesASlotPastMaxSlotWalKeepSize() throws Exception {
        try (EmbeddedDatabase own = EmbeddedDatabase.start()) {
            DatabaseTarget t = new DatabaseTarget(own.jdbcUrl(), own.user(), own.password(), "public");
            try (Connection c = own.connect(); Statement st = c.createStatement()) {
                st.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
                st.execute("SELECT pg_reload_conf()");
                st.execute("SELECT pg_create_logical_replication_slot('pf_behind', 'pgoutput')");
                st.execute("CREATE TABLE filler (x text)");
                SourcePreflight.requireSlotAvailable(t, "pf_behind"); // reserved: fine
                for (int i = 0; i < 3; i++) { // WAL beyond the 1 MB the slot may keep, not yet removed
                    st.execute("INSERT INTO filler SELECT repeat('x', 100) FROM generate_series(1, 20000)");
                    st.execute("SELECT pg_switch_wal()");
                }
                assertThat(walStatus(st, "pf_behind")).isEqualTo("unreserved");
                assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "pf_behind"))
                        .isInstanceOf(PreflightException.class)
                        .hasMessageContaining("replication slot pf_behind is about to lose WAL it needs (wal_status unreserved")
                        .hasMessageContaining("raise max_slot_wal_keep_size");
                st.execute("CHECKPOINT"); // removes the WAL past the limit
                assertThat(walStatus(st, "pf_behind")).isEqualTo("lost");
                assertThatThrownBy(() -> SourcePreflight.requireSlotAvailable(t, "pf_behind"))
                        .isInstanceOf(PreflightException.class)
                        .hasMessageContaining("replication slot pf_behind has lost WAL it needs (wal_status lost")
                        .hasMessageContaining("SELECT pg_drop_replication_slot('pf_behind')");
            }
        }
    }

    private static String walStatus(Statement st, String slot) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aTableLockedByAnotherSessionFailsThePreflightWithinItsLockTimeout() throws Exception {
        DatabaseTarget t = db.target("unstract").withTimeouts(new DatabaseTarget.Timeouts(5, 10, 2));
        try (Connection migration = db.connect(); Statement st = migration.createStatement()) {
            migration.setAutoCommit(false);
            st.execute("LOCK TABLE unstract.workflow_execution IN ACCESS EXCLUSIVE MODE"); // held until rollback
            long started = System.nanoTime();
            // Without a lock_timeout, creating the publication waits for the lock for as long as it is held.
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(
                    () -> SourcePreflight.check(t, t, "pf_locked"))
                    .isInstanceOf(PreflightException.class)
                    .hasMessageContaining("lock timeout")
                    .hasMessageContaining("another session holds a lock on a table the preflight needs"));
            System.out.printf("preflight gave up on the locked table after %d ms%n",
                    (System.nanoTime() - started) / 1_000_000);
            migration.rollback();
        }
        assertThat(SourcePreflight.check(db.target("unstract"), db.target("unstract"), "pf_locked").capturedTables())
                .hasSize(9);
    }

    @Test
    void everyConnectionHasTheTargetsTimeouts() throws Exception {
        DatabaseTarget t = db.target("unstract").withTimeouts(new DatabaseTarget.Timeouts(7, 42, 13));
        try (Connection c = t.connect(); Statement st = c.createStatement()) {
            assertThat(show(st, "statement_timeout")).isEqualTo("42s");
            assertThat(show(st, "lock_timeout")).isEqualTo("13s");
            assertThat(c.getNetworkTimeout()).as("socket timeout: statement timeout + 5 s").isEqualTo(47_000);
        }
        try (Connection c = db.target("unstract").connect(); Statement st = c.createStatement()) {
            assertThat(show(st, "statement_timeout")).as("unbounded unless configured").isEqualTo("0");
            assertThat(c.getNetworkTimeout()).isZero();
        }
    }

    private static String show(Statement st, String setting) throws Exception {
        try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void reportsAnUnreachableDatabase() {
        DatabaseTarget nowhere = new DatabaseTarget("jdbc:postgresql://localhost:1/postgres", "postgres", "", "unstract");
        assertThatThrownBy(() -> SourcePreflight.check(nowhere, nowhere, "pf"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("cannot use source database jdbc:postgresql://localhost:1/postgres");
    }
}
