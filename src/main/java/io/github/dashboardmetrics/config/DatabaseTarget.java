package io.github.dashboardmetrics.config;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where one PostgreSQL database is and how to log in: JDBC URL, user, password, schema.
 *
 * <p>The password never comes from a command-line argument (it would show in {@code ps} and in
 * Flink's job graph); it is read from an environment variable by the caller. {@link #toString()}
 * redacts it.
 */
public final class DatabaseTarget implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Schema names are spliced into SQL as identifiers, so only plain identifiers are allowed. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String schema;

    public DatabaseTarget(String jdbcUrl, String user, String password, String schema) {
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

    /** Same database, another schema. */
    public DatabaseTarget withSchema(String otherSchema) {
        return new DatabaseTarget(jdbcUrl, user, password, otherSchema);
    }

    /** A connection whose search_path is this target's schema, as Unstract's own backend does. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("currentSchema", schema);
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
