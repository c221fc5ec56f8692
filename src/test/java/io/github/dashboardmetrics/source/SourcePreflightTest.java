package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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
    void reportsAnUnreachableDatabase() {
        DatabaseTarget nowhere = new DatabaseTarget("jdbc:postgresql://localhost:1/postgres", "postgres", "", "unstract");
        assertThatThrownBy(() -> SourcePreflight.check(nowhere, nowhere, "pf"))
                .isInstanceOf(PreflightException.class)
                .hasMessageContaining("cannot use source database jdbc:postgresql://localhost:1/postgres");
    }
}
