package io.github.dashboardmetrics.config;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.PGProperty;

/**
 * Where one PostgreSQL database is and how to log in: JDBC URL, user, password, schema.
 *
 * <p>The password never comes from a command-line argument (it would show in {@code ps} and in
 * Flink's job graph); it is read from an environment variable by the caller. {@link #toString()}
 * redacts it.
 *
 * <p>Every connection the job and its commands open comes from {@link #connect()}, which bounds
 * every wait with this target's {@link Timeouts}: connect and login, each socket read, each
 * statement and each lock wait, and turns TCP keep-alive on, so that a server that stops
 * answering without closing connections is noticed instead of hanging a thread forever.
 */
public final class DatabaseTarget implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Schema names are spliced into SQL as identifiers, so only plain identifiers are allowed. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String schema;
    private final Timeouts timeouts;

    /**
     * How long a connection may wait, in seconds (0: no limit): for the TCP connection and the
     * login ({@code connectTimeout}, {@code loginTimeout}), for one statement
     * ({@code statement_timeout}) and for one lock ({@code lock_timeout}). The socket timeout
     * (pgjdbc's {@code socketTimeout}, how long any read may block) is the statement timeout plus
     * {@value #SOCKET_MARGIN_SECONDS} s, so that the server's own cancellation normally comes
     * first and names the cause; a server that stops answering is noticed after that at most.
     */
    public record Timeouts(int connectSeconds, int statementSeconds, int lockSeconds) implements Serializable {
        private static final long serialVersionUID = 1L;
        static final int SOCKET_MARGIN_SECONDS = 5;

        /** The job's connections ({@code run}): writers, dead letters, preflight, retention, restore recheck. */
        public static final Timeouts JOB = new Timeouts(10, 60, 30);
        /** Commands whose statements read whole tables ({@code verify}, {@code backfill}): 30 min a statement. */
        public static final Timeouts LONG_STATEMENTS = new Timeouts(10, 1_800, 60);
        /** Connect and login bounded, statements not (library and test use, bulk loads). */
        public static final Timeouts CONNECT_ONLY = new Timeouts(10, 0, 0);

        public Timeouts {
            if (connectSeconds < 0 || statementSeconds < 0 || lockSeconds < 0) {
                throw new IllegalArgumentException("--db-*-timeout-s must be >= 0 seconds (0: no limit)");
            }
        }

        /** pgjdbc's socketTimeout: statement timeout plus a margin; 0 (none) when statements are unbounded. */
        public int socketSeconds() {
            return statementSeconds == 0 ? 0 : statementSeconds + SOCKET_MARGIN_SECONDS;
        }
    }

    /** With {@link Timeouts#CONNECT_ONLY}: statements unbounded; the command line sets bounded ones. */
    public DatabaseTarget(String jdbcUrl, String user, String password, String schema) {
        this(jdbcUrl, user, password, schema, Timeouts.CONNECT_ONLY);
    }

    public DatabaseTarget(String jdbcUrl, String user, String password, String schema, Timeouts timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = Objects.requireNonNull(user, "user");
        this.password = password == null ? "" : password;
        this.schema = requireIdentifier(schema, "schema");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(
                    "database URL must look like jdbc:postgresql://HOST:PORT/DB, got: " + jdbcUrl);
        }
    }

    /** Validates a SQL identifier (schema, slot or publication name) before it is spliced into SQL. */
    public static String requireIdentifier(String value, String what) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be a plain SQL identifier (letters, digits, _; at most 63), got: " + value);
        }
        return value;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String schema() {
        return schema;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** Same database, another schema. */
    public DatabaseTarget withSchema(String otherSchema) {
        return new DatabaseTarget(jdbcUrl, user, password, otherSchema, timeouts);
    }

    /** Same database, other timeouts. */
    public DatabaseTarget withTimeouts(Timeouts other) {
        return new DatabaseTarget(jdbcUrl, user, password, schema, other);
    }

    /**
     * A connection whose search_path is this target's schema, as Unstract's own backend does, with
     * this target's {@link Timeouts} and TCP keep-alive. Parameters given in the JDBC URL win over
     * the driver properties set here; statement_timeout and lock_timeout are set with {@code SET}
     * after connecting (not as a startup {@code options} parameter, which connection poolers such
     * as PgBouncer refuse).
     */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("currentSchema", schema);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", Integer.toString(timeouts.connectSeconds()));
        props.setProperty("loginTimeout", Integer.toString(timeouts.connectSeconds()));
        props.setProperty("socketTimeout", Integer.toString(timeouts.socketSeconds()));
        Connection c = DriverManager.getConnection(jdbcUrl, props);
        StringBuilder set = new StringBuilder();
        if (timeouts.statementSeconds() > 0) { // 0: the server's (or role's) own setting stays
            set.append("SET statement_timeout = ").append(timeouts.statementSeconds() * 1000L).append(';');
        }
        if (timeouts.lockSeconds() > 0) {
            set.append("SET lock_timeout = ").append(timeouts.lockSeconds() * 1000L).append(';');
        }
        if (!set.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute(set.toString());
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /**
     * A replication connection ({@code replication=database}, simple query mode) for pgjdbc's
     * replication API, with this target's connect timeout and TCP keep-alive. No socket timeout
     * and no statement timeout: a replication stream waits for the server as long as it is idle.
     * The caller closes it.
     */
    public Connection connectForReplication() throws SQLException {
        Properties props = new Properties();
        PGProperty.USER.set(props, user);
        PGProperty.PASSWORD.set(props, password);
        PGProperty.TCP_KEEP_ALIVE.set(props, true);
        PGProperty.CONNECT_TIMEOUT.set(props, timeouts.connectSeconds());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /** Host part of the JDBC URL. */
    public String host() {
        return JdbcUrl.parse(jdbcUrl).host();
    }

    /** Port part of the JDBC URL (5432 when absent). */
    public int port() {
        return JdbcUrl.parse(jdbcUrl).port();
    }

    /** Database name part of the JDBC URL. */
    public String database() {
        return JdbcUrl.parse(jdbcUrl).database();
    }

    @Override
    public String toString() {
        return "DatabaseTarget{url=" + jdbcUrl + ", user=" + user + ", password=" + (password.isEmpty() ? "<none>" : "<redacted>")
                + ", schema=" + schema + "}";
    }
}
