package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.DatabaseTarget;
import picocli.CommandLine.Option;

/**
 * The options that name Unstract's database (the source tables) and, optionally, another
 * database for the rollup tables. Shared by every command that talks to a database.
 */
public class DatabaseOptions {
    public static final String PASSWORD_ENV = "DASHBOARD_METRICS_DB_PASSWORD";
    public static final String ROLLUP_PASSWORD_ENV = "DASHBOARD_METRICS_ROLLUP_DB_PASSWORD";

    @Option(names = "--db-url", required = true, paramLabel = "JDBC_URL",
            description = "Unstract's PostgreSQL database, jdbc:postgresql://HOST:PORT/DB. "
                    + "Password from env " + PASSWORD_ENV + ".")
    String dbUrl;

    @Option(names = "--db-user", required = true, paramLabel = "USER", description = "Database user.")
    String dbUser;

    @Option(names = "--db-schema", defaultValue = "unstract", paramLabel = "SCHEMA",
            description = "Schema holding Unstract's tables (Unstract's DB_SCHEMA). Default: ${DEFAULT-VALUE}.")
    String dbSchema;

    @Option(names = "--rollup-db-url", paramLabel = "JDBC_URL",
            description = "Database of the event_metrics_* tables when it is not the source database. "
                    + "Password from env " + ROLLUP_PASSWORD_ENV + " (else " + PASSWORD_ENV + ").")
    String rollupDbUrl;

    @Option(names = "--rollup-db-user", paramLabel = "USER",
            description = "User for --rollup-db-url. Default: --db-user.")
    String rollupDbUser;

    @Option(names = "--rollup-db-schema", paramLabel = "SCHEMA",
            description = "Schema of the event_metrics_* tables. Default: --db-schema.")
    String rollupDbSchema;

    /** The source database; the password comes from the environment only. */
    public DatabaseTarget source() {
        return new DatabaseTarget(dbUrl, dbUser, System.getenv(PASSWORD_ENV), dbSchema);
    }

    /** Where the rollup tables live: the source database unless another one is named. */
    public DatabaseTarget rollup() {
        if (rollupDbUrl == null) {
            return new DatabaseTarget(dbUrl, dbUser, System.getenv(PASSWORD_ENV),
                    rollupDbSchema != null ? rollupDbSchema : dbSchema);
        }
        String password = System.getenv(ROLLUP_PASSWORD_ENV);
        if (password == null) {
            password = System.getenv(PASSWORD_ENV);
        }
        return new DatabaseTarget(rollupDbUrl, rollupDbUser != null ? rollupDbUser : dbUser, password,
                rollupDbSchema != null ? rollupDbSchema : dbSchema);
    }
}
