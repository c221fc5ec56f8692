package io.github.dashboardmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.bootstrap.BootstrapRecord;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.ReplicationClient;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.DeadLetterTable;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.verify.SourceRows;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad configuration stops {@code run} (and {@code bootstrap}) before anything runs: exit code 2 and
 * one message that names the problem and its fix, no stack trace, no Flink job. Against real
 * PostgreSQL servers.
 */
class ConfigurationErrorsTest {
    private static EmbeddedDatabase db;
    private static EmbeddedPostgres walReplica;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema("unstract", true);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE no_replication LOGIN");
            st.execute("CREATE SCHEMA empty");
        }
        db.createUnstractSchema("no_identity", false);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE no_identity.usage REPLICA IDENTITY NOTHING");
            st.execute("CREATE PUBLICATION no_deletes FOR TABLE unstract.usage WITH (publish = 'insert, update')");
        }
        walReplica = EmbeddedPostgres.builder().setServerConfig("wal_level", "replica").start();
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
        walReplica.close();
    }

    /** Runs {@code run} with these options (plus the state dir) and returns exit code and stderr. */
    private static Result run(String... options) {
        return command(List.of("run", "--state-dir", stateDir.toString(), "--web-port", "0"), options);
    }

    /** Runs {@code backfill} of two days with these options and returns exit code and stderr. */
    private static Result backfill(String... options) {
        return command(List.of("backfill", "--from", "2026-11-01", "--to", "2026-11-02"), options);
    }

    /** Runs {@code bootstrap} with these options (plus a savepoint dir) and returns exit code and stderr. */
    private static Result bootstrap(String... options) {
        return command(List.of("bootstrap", "--savepoint-dir", stateDir.resolve("bootstrap").toString()), options);
    }

    private static Result command(List<String> command, String... options) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(options));
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute(args.toArray(String[]::new));
        } finally {
            System.setErr(savedErr);
        }
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int code, String err) {
        void failsWith(String message) {
            assertThat(code).as(err).isEqualTo(2);
            assertThat(err).contains(message).doesNotContain("\tat ").doesNotContain("Exception in");
        }
    }

    private static String[] database(String url, String user, String... more) {
        List<String> args = new ArrayList<>(List.of("--db-url", url, "--db-user", user,
                "--db-password-file", TestPasswordFile.path()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void bootstrapRefusesASlotThatExists() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('taken', 'pgoutput')");
        }
        try {
            bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "taken"))
                    .failsWith("replication slot taken already exists");
        } finally {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('taken')");
            }
        }
    }

    @Test
    @Timeout(120) // were the wait not ended, bootstrap would block for good
    void bootstrapGivesUpOnASlotHeldBackPastItsLimitWithNoSlotLeft() throws Exception {
        givesUpOnASlotHeldBack("held_back", ConfigurationErrorsTest::bootstrap);
        assertThat(Files.exists(stateDir.resolve("bootstrap").resolve("bootstrap-held_back.inprogress")))
                .as("nothing for a next attempt to clean up").isFalse();
        bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot-wait-timeout-s", "-1"))
                .failsWith("--slot-wait-timeout-s must be >= 0 seconds (0: no limit), got -1");
        bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--progress-every-s", "0"))
                .failsWith("--progress-every-s must be at least 1, got 0");
    }

    @Test
    @Timeout(180) // were the wait not ended, run would block for good (or, past its checks, start the job)
    void runGivesUpOnCreatingItsSlotHeldBackPastItsLimitWithNoSlotLeft() throws Exception {
        givesUpOnASlotHeldBack("run_held_back", ConfigurationErrorsTest::run);
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot-wait-timeout-s", "-1"))
                .failsWith("--slot-wait-timeout-s must be >= 0 seconds (0: no limit), got -1");
    }

    @Test
    @Timeout(120) // were the wait not ended, backfill would block for good
    void backfillGivesUpOnASlotHeldBackPastItsLimitWithNoSlotLeft() throws Exception {
        givesUpOnASlotHeldBack("backfill_held_back", ConfigurationErrorsTest::backfill);
        backfill(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot-wait-timeout-s", "-1"))
                .failsWith("--slot-wait-timeout-s must be >= 0 seconds (0: no limit), got -1");
    }

    /**
     * {@code command} creating slot {@code slot} with a 2 s limit while a transaction that has
     * written stays open: it gives up with exit 2 and one line, and the half-made slot is dropped.
     */
    private static void givesUpOnASlotHeldBack(String slot, Function<String[], Result> command) throws Exception {
        try (Connection open = db.connect(); Statement st = open.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.held_open (i int)");
            open.setAutoCommit(false);
            st.execute("INSERT INTO public.held_open VALUES (1)"); // written, not ended: the slot's creation waits for it
            command.apply(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", slot, "--slot-wait-timeout-s", "2"))
                    .failsWith("replication slot " + slot + " was not created: after ");
            open.rollback();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (slots(slot) > 0) {
            assertThat(System.nanoTime()).as("the half-made slot is dropped").isLessThan(deadline);
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    private static long slots(String name) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void bootstrapDefersIndexesOnlyOfEmptyTables() throws Exception {
        db.createUnstractSchema("filled", false);
        try (Connection c = db.target("filled").connect(); Statement st = c.createStatement()) {
            new SourceRows(c).organization(1, "org_1");
            st.execute("INSERT INTO event_metrics_daily (id, created_at, modified_at, date, metric_name, metric_type,"
                    + " metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(), now(), now(),"
                    + " '2026-11-01', 'llm_calls', 'counter', 1, 1, 'default', '', 1)");
        }
        bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--rollup-db-schema", "filled",
                "--slot", "deferred", "--defer-indexes"))
                .failsWith("--defer-indexes: \"filled\".\"event_metrics_daily\" holds rows");
        assertThat(slots("deferred")).as("no slot created before the refusal").isZero();
    }

    @Test
    void bootstrapRefusesARoleWithoutReplication() {
        bootstrap(database(db.jdbcUrl(), "no_replication", "--db-schema", "unstract")).failsWith("REPLICATION");
    }

    @Test
    void bootstrapRefusesARollupRoleWithoutTemporaryTables() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            DeadLetterTable.ensure(c, "unstract");
            ProgressTable.ensure(c, "unstract");
            st.execute("CREATE ROLE no_temp LOGIN");
            st.execute("GRANT USAGE ON SCHEMA unstract TO no_temp");
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA unstract TO no_temp");
            st.execute("DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$");
        }
        try {
            bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--rollup-db-url", db.jdbcUrl(), "--rollup-db-user", "no_temp",
                    "--rollup-db-password-file", TestPasswordFile.path()))
                    .failsWith("no_temp may not create temporary tables in database");
        } finally {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$");
            }
        }
    }

    @Test
    void startupCommittedRefusesASlotThatDoesNotExist() {
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "never_created", "--startup", "committed"))
                .failsWith("replication slot never_created, which does not exist");
    }

    @Test
    void aBootstrapSavepointStartsOnlyAsItWasBuilt() throws Exception {
        Path savepoint = stateDir.resolve("bootstrap-savepoint");
        Files.createDirectories(savepoint);
        Files.createFile(savepoint.resolve("_metadata")); // refused before Flink would read it
        new BootstrapRecord("boot", 0x1000, "unstract", RetentionPolicy.DEFAULT).write(savepoint);
        String from = savepoint.toString();
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "boot", "--from-savepoint", from))
                .failsWith("is a bootstrap's savepoint: start it with --startup committed");
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "other", "--startup", "committed",
                "--from-savepoint", from)).failsWith("start it with --slot boot");
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "boot", "--startup", "committed",
                "--hourly-retention-days", "7", "--from-savepoint", from)).failsWith("--hourly-retention-days 30");
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "no_identity", "--slot", "boot", "--startup", "committed",
                "--from-savepoint", from)).failsWith("start it with --db-schema unstract");
        // All as built, but the slot is gone: Flink CDC would start at the end of the WAL.
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--slot", "boot", "--startup", "committed",
                "--from-savepoint", from)).failsWith("replication slot boot, which does not exist");
    }

    @Test
    void negativeRetentionIsRefusedNamingTheOption() {
        run(database(db.jdbcUrl(), "postgres", "--hourly-retention-days", "-1"))
                .failsWith("--hourly-retention-days must be >= 0 (0 = unlimited), got -1");
        bootstrap(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract", "--monthly-retention-days", "-3"))
                .failsWith("--monthly-retention-days must be >= 0 (0 = unlimited), got -3");
    }

    @Test
    void unknownOption() {
        run(database(db.jdbcUrl(), "postgres", "--no-such-option")).failsWith("Unknown option: '--no-such-option'");
    }

    @Test
    void missingPassword() {
        // No --db-password-file, and the test JVM has no DASHBOARD_METRICS_DB_PASSWORD.
        assertThat(System.getenv(DatabaseOptions.PASSWORD_ENV)).isNull();
        run("--db-url", db.jdbcUrl(), "--db-user", "postgres")
                .failsWith("no password for database user postgres: set env DASHBOARD_METRICS_DB_PASSWORD");
    }

    @Test
    void unreadablePasswordFile() {
        run("--db-url", db.jdbcUrl(), "--db-user", "postgres", "--db-password-file", "/nonexistent/secret")
                .failsWith("--db-password-file /nonexistent/secret cannot be read");
    }

    @Test
    void unreachableDatabase() {
        run(database("jdbc:postgresql://localhost:1/unstract", "postgres"))
                .failsWith("cannot use source database jdbc:postgresql://localhost:1/unstract");
    }

    @Test
    void walLevelNotLogical() {
        run(database("jdbc:postgresql://localhost:" + walReplica.getPort() + "/postgres", "postgres"))
                .failsWith("wal_level");
    }

    @Test
    void missingReplicationPrivilege() {
        run(database(db.jdbcUrl(), "no_replication", "--db-schema", "unstract")).failsWith("REPLICATION");
    }

    @Test
    void missingTables() {
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "empty")).failsWith("source tables missing in schema empty");
    }

    @Test
    void publicationWithoutDeletesAndTruncates() {
        run(database(db.jdbcUrl(), "postgres", "--publication", "no_deletes"))
                .failsWith("publication no_deletes does not publish delete, truncate: the rollups would miss those"
                        + " changes; run ALTER PUBLICATION \"no_deletes\" SET (publish = 'insert, update, delete, truncate')");
    }

    @Test
    void capturedTableWithReplicaIdentityNothing() {
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "no_identity", "--publication", "no_identity"))
                .failsWith("captured table no_identity.usage has REPLICA IDENTITY NOTHING");
    }

    @Test
    void negativeTimeoutsBatchSizesAndRetries() {
        run(database(db.jdbcUrl(), "postgres", "--db-lock-timeout-s", "-1"))
                .failsWith("--db-lock-timeout-s must be >= 0 (0: no limit), got: -1");
        run(database(db.jdbcUrl(), "postgres", "--write-retries", "-2")).failsWith("--write-retries must be >= 0, got: -2");
    }

    @Test
    void slotAlreadyInUse() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('busy_slot', 'pgoutput')");
        }
        try (ReplicationClient busy = ReplicationClient.streamFrom(db, "busy_slot")) {
            run(database(db.jdbcUrl(), "postgres", "--slot", "busy_slot"))
                    .failsWith("replication slot busy_slot is in use by another process");
        }
    }

    @Test
    void stateBackendAndCheckpointIntervalAreValidated() {
        run(database(db.jdbcUrl(), "postgres", "--state-backend", "memory"))
                .failsWith("--state-backend must be rocksdb or hashmap, got: memory");
        run(database(db.jdbcUrl(), "postgres", "--checkpoint-interval-ms", "50"))
                .failsWith("--checkpoint-interval-ms must be >= 100");
    }

    @Test
    void localDirectoriesAndPortsAreCheckedBeforeTheSlotIsCreated() throws Exception {
        Path file = Files.writeString(stateDir.resolve("a-file"), "not a directory");
        command(List.of("run", "--state-dir", file.toString(), "--web-port", "0"),
                database(db.jdbcUrl(), "postgres", "--slot", "local_checks"))
                .failsWith("--state-dir " + file + ": cannot create the directory (a file of that name exists)");
        command(List.of("run", "--state-dir", file.resolve("below").toString(), "--web-port", "0"),
                database(db.jdbcUrl(), "postgres", "--slot", "local_checks"))
                .failsWith("--state-dir " + file.resolve("below") + ": cannot create the directory");
        command(List.of("bootstrap", "--savepoint-dir", file.toString()),
                database(db.jdbcUrl(), "postgres", "--slot", "local_checks"))
                .failsWith("--savepoint-dir " + file + ": cannot create the directory (a file of that name exists)");
        run(database(db.jdbcUrl(), "postgres", "--slot", "local_checks", "--from-savepoint", file.resolve("nowhere").toString()))
                .failsWith("--from-savepoint " + file.resolve("nowhere") + ": no such file or directory");
        run(database(db.jdbcUrl(), "postgres", "--slot", "local_checks", "--from-savepoint", stateDir.toString()))
                .failsWith("--from-savepoint " + stateDir + ": a directory without a _metadata file");
        try (ServerSocket taken = new ServerSocket(0)) {
            String port = Integer.toString(taken.getLocalPort());
            command(List.of("run", "--state-dir", stateDir.toString(), "--web-port", port),
                    database(db.jdbcUrl(), "postgres", "--slot", "local_checks"))
                    .failsWith("--web-port " + port + ": cannot listen on it");
            run(database(db.jdbcUrl(), "postgres", "--slot", "local_checks", "--prometheus-port", port))
                    .failsWith("--prometheus-port " + port + ": cannot listen on it");
        }
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'local_checks'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("slots created by the refused commands").isZero();
        }
    }

    @Test
    void promoteRefusesASchemaWithoutRollupTablesAndAnUnreachableDatabase() throws Exception {
        command(List.of("promote"), database(db.jdbcUrl(), "postgres", "--from-schema", "empty", "--to-schema", "unstract"))
                .failsWith("--from-schema empty: rollup table empty.event_metrics_hourly is missing in " + db.jdbcUrl());
        command(List.of("promote"), database(db.jdbcUrl(), "postgres", "--from-schema", "unstract", "--to-schema", "nowhere"))
                .failsWith("--to-schema nowhere: rollup table nowhere.event_metrics_hourly is missing");
        command(List.of("promote"), database("jdbc:postgresql://127.0.0.1:1/unstract", "postgres", "--from-schema", "empty"))
                .failsWith("cannot use database jdbc:postgresql://127.0.0.1:1/unstract as postgres");
    }

    @Test
    void identifiersAreValidated() {
        run(database(db.jdbcUrl(), "postgres", "--slot", "x; DROP TABLE usage")).failsWith("--slot must be a plain SQL identifier");
        run(database(db.jdbcUrl(), "postgres", "--db-schema", "unstract\"--")).failsWith("schema must be a plain SQL identifier");
    }
}
