package io.github.dashboardmetrics.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;

class EmbeddedDatabaseTest {
    private static EmbeddedDatabase database;

    @BeforeAll
    static void start() throws Exception {
        database = EmbeddedDatabase.start();
    }

    @AfterAll
    static void stop() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void runsWithLogicalReplicationSettings() throws SQLException {
        assertThat(database.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:" + database.port() + "/postgres");
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            assertThat(show(statement, "wal_level")).isEqualTo("logical");
            assertThat(show(statement, "max_replication_slots")).isEqualTo("10");
            assertThat(show(statement, "max_wal_senders")).isEqualTo("10");
            assertThat(show(statement, "synchronous_commit")).isEqualTo("on");
            assertThat(show(statement, "server_version")).startsWith("16.");
        }
    }

    @Test
    void trustsLocalhostWhateverThePasswordForNormalAndReplicationConnections() throws SQLException {
        Properties wrongPassword = new Properties();
        wrongPassword.setProperty("user", "postgres");
        wrongPassword.setProperty("password", "not-the-password");
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), wrongPassword);
                Statement statement = connection.createStatement();
                ResultSet rules = statement.executeQuery(
                        "SELECT type, database::text, auth_method FROM pg_hba_file_rules ORDER BY line_number")) {
            List<String> lines = new ArrayList<>();
            while (rules.next()) {
                lines.add(rules.getString(1) + " " + rules.getString(2) + " " + rules.getString(3));
            }
            assertThat(lines).contains("host {all} trust", "host {replication} trust");
        }
    }

    @Test
    void createsSchemaWithOrWithoutHitlQueueAndRefusesAnExistingOne() throws SQLException {
        database.createUnstractSchema("cloud", true);
        database.createUnstractSchema("oss", false);

        assertThat(tables("cloud")).containsExactlyInAnyOrder("organization", "workflow", "pipeline", "api_deployment",
                "workflow_execution", "workflow_file_execution", "usage", "page_usage", "hitl_queue",
                "event_metrics_hourly", "event_metrics_daily", "event_metrics_monthly");
        assertThat(tables("oss")).hasSize(11).doesNotContain("hitl_queue");
        assertThat(database.schemaExists("oss")).isTrue();
        assertThatThrownBy(() -> database.createUnstractSchema("oss", false)).isInstanceOf(SQLException.class);
        // The target's connections see the schema's tables without qualification.
        try (Connection connection = database.target("oss").connect(); Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("SELECT count(*) FROM organization")) {
            count.next();
            assertThat(count.getLong(1)).isZero();
        }
    }

    /** What Debezium does: a slot, a publication, and a walsender connection streaming pgoutput. */
    @Test
    void streamsChangesThroughALogicalSlotWithPgoutput() throws Exception {
        database.createUnstractSchema("repl", true);
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE PUBLICATION p FOR TABLE repl.organization, repl.workflow, repl.pipeline,"
                    + " repl.api_deployment, repl.workflow_execution, repl.workflow_file_execution, repl.usage,"
                    + " repl.page_usage, repl.hitl_queue");
            statement.execute("SELECT pg_create_logical_replication_slot('t', 'pgoutput')");
            statement.execute("INSERT INTO repl.organization (name, display_name, organization_id, modified_at,"
                    + " created_at, allowed_token_limit, restrict_llm_adapter_creation, restrict_connector_creation)"
                    + " VALUES ('a', 'a', 'org_a', now(), now(), -1, false, false)");

            List<Character> messageTypes = readPgoutputMessageTypes("t", "p", 3);
            // Begin, Relation (the table's description), Insert.
            assertThat(messageTypes).containsExactly('B', 'R', 'I');
            statement.execute("SELECT pg_drop_replication_slot('t')");
        }
    }

    @Test
    void keepsDataInAGivenDirectoryAcrossRestartsOnAFixedPort(@TempDir Path directory) throws Exception {
        Path data = directory.resolve("pgdata");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedDatabase.Options options = EmbeddedDatabase.Options.defaults().withPort(port).withDataDirectory(data);
        try (EmbeddedDatabase first = EmbeddedDatabase.start(options)) {
            assertThat(first.port()).isEqualTo(port);
            assertThat(first.keepsData()).isTrue();
            first.createUnstractSchema("kept", false);
        }
        assertThat(Files.exists(data.resolve("PG_VERSION"))).isTrue();
        try (EmbeddedDatabase second = EmbeddedDatabase.start(options)) {
            assertThat(second.schemaExists("kept")).isTrue();
        }
    }

    @Test
    void targetCarriesUrlUserPasswordAndSchema() {
        DatabaseTarget target = database.target("unstract");
        assertThat(target.jdbcUrl()).isEqualTo(database.jdbcUrl());
        assertThat(target.user()).isEqualTo("postgres");
        assertThat(target.password()).isEqualTo(database.password());
        assertThat(target.schema()).isEqualTo("unstract");
        assertThat(target.port()).isEqualTo(database.port());
    }

    private static List<Character> readPgoutputMessageTypes(String slot, String publication, int count) throws Exception {
        try (ReplicationClient replication = ReplicationClient.streamFrom(database, slot, publication)) {
            PGReplicationStream stream = replication.stream();
            List<Character> types = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (types.size() < count && System.nanoTime() < deadline) {
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    TimeUnit.MILLISECONDS.sleep(20);
                    continue;
                }
                types.add((char) message.get(message.position()));
            }
            return types;
        }
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet result = statement.executeQuery("SHOW " + setting)) {
            result.next();
            return result.getString(1);
        }
    }

    private static List<String> tables(String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        return tables;
    }
}
