package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options that name Unstract's database (the source tables) and, optionally, another
 * database for the rollup tables. Shared by every command that talks to a database.
 */
public class DatabaseOptions {
    public static final String PASSWORD_ENV = "DASHBOARD_METRICS_DB_PASSWORD";
    public static final String ROLLUP_PASSWORD_ENV = "DASHBOARD_METRICS_ROLLUP_DB_PASSWORD";

    @Option(names = "--db-url", required = true, paramLabel = "JDBC_URL",
            description = "Unstract's PostgreSQL database, jdbc:postgresql://HOST:PORT/DB[?sslmode=verify-full&sslrootcert=FILE...]."
                    + " TLS parameters in the URL apply to every connection, the change stream's included."
                    + " Password from env " + PASSWORD_ENV + " or --db-password-file.")
    String dbUrl;

    @Option(names = "--db-password-file", paramLabel = "FILE",
            description = "File whose first line is the password of --db-user (a mounted secret), instead of env "
                    + PASSWORD_ENV + ".")
    Path dbPasswordFile;

    @Option(names = "--db-user", required = true, paramLabel = "USER", description = "Database user.")
    String dbUser;

    @Option(names = "--db-schema", defaultValue = "unstract", paramLabel = "SCHEMA",
            description = "Schema holding Unstract's tables (Unstract's DB_SCHEMA). Default: ${DEFAULT-VALUE}.")
    String dbSchema;

    @Option(names = "--rollup-db-url", paramLabel = "JDBC_URL",
            description = "Database of the event_metrics_* tables when it is not the source database. "
                    + "Password from env " + ROLLUP_PASSWORD_ENV + " or --rollup-db-password-file, else the source's.")
    String rollupDbUrl;

    @Option(names = "--rollup-db-password-file", paramLabel = "FILE",
            description = "File whose first line is the password for --rollup-db-url, instead of env "
                    + ROLLUP_PASSWORD_ENV + ".")
    Path rollupDbPasswordFile;

    @Option(names = "--rollup-db-user", paramLabel = "USER",
            description = "User for --rollup-db-url. Default: --db-user.")
    String rollupDbUser;

    @Option(names = "--rollup-db-schema", paramLabel = "SCHEMA",
            description = "Schema of the event_metrics_* tables. Default: --db-schema.")
    String rollupDbSchema;

    @Option(names = "--db-connect-timeout-s", paramLabel = "SECONDS",
            description = "Longest wait to connect and log in to a database (0: no limit). Default: 10.")
    Integer connectTimeoutSeconds;

    @Option(names = "--db-statement-timeout-s", paramLabel = "SECONDS",
            description = "statement_timeout of every database connection (0: no limit). A read blocks at most this"
                    + " plus 5 s (socket timeout), so a server that stops answering is noticed after that."
                    + " Default: 60 for run, 1800 for bootstrap, verify and backfill.")
    Integer statementTimeoutSeconds;

    @Option(names = "--db-lock-timeout-s", paramLabel = "SECONDS",
            description = "lock_timeout of every database connection (0: no limit). Default: 30 for run, 60 for bootstrap,"
                    + " verify and backfill.")
    Integer lockTimeoutSeconds;

    /** The timeouts of a command whose options leave them unset; see the options' descriptions. */
    private DatabaseTarget.Timeouts commandTimeouts = DatabaseTarget.Timeouts.JOB;

    /** Sets the defaults of the timeout options for this command (run's are {@link DatabaseTarget.Timeouts#JOB}). */
    DatabaseOptions withDefaultTimeouts(DatabaseTarget.Timeouts defaults) {
        this.commandTimeouts = defaults;
        return this;
    }

    /** The timeouts every connection of this command gets: the options, else the command's defaults. */
    DatabaseTarget.Timeouts timeouts() {
        return new DatabaseTarget.Timeouts(
                seconds("--db-connect-timeout-s", connectTimeoutSeconds, commandTimeouts.connectSeconds()),
                seconds("--db-statement-timeout-s", statementTimeoutSeconds, commandTimeouts.statementSeconds()),
                seconds("--db-lock-timeout-s", lockTimeoutSeconds, commandTimeouts.lockSeconds()));
    }

    private static int seconds(String option, Integer given, int otherwise) {
        if (given == null) {
            return otherwise;
        }
        if (given < 0) {
            throw new IllegalArgumentException(option + " must be >= 0 (0: no limit), got: " + given);
        }
        return given;
    }

    /** These options as given, for a command line to print (passwords stay in their files or environment). */
    List<String> asArguments() {
        List<String> args = new ArrayList<>(List.of("--db-url", dbUrl, "--db-user", dbUser,
                "--db-schema", dbSchema));
        if (dbPasswordFile != null) {
            args.addAll(List.of("--db-password-file", dbPasswordFile.toString()));
        }
        if (rollupDbUrl != null) {
            args.addAll(List.of("--rollup-db-url", rollupDbUrl));
        }
        if (rollupDbPasswordFile != null) {
            args.addAll(List.of("--rollup-db-password-file", rollupDbPasswordFile.toString()));
        }
        if (rollupDbUser != null) {
            args.addAll(List.of("--rollup-db-user", rollupDbUser));
        }
        if (rollupDbSchema != null) {
            args.addAll(List.of("--rollup-db-schema", rollupDbSchema));
        }
        return args;
    }

    /** The source database; the password comes from the environment or a file only. */
    public DatabaseTarget source() {
        return new DatabaseTarget(dbUrl, dbUser, sourcePassword(), dbSchema, timeouts());
    }

    /** Where the rollup tables live: the source database unless another one is named. */
    public DatabaseTarget rollup() {
        String schema = rollupDbSchema != null ? rollupDbSchema : dbSchema;
        if (rollupDbUrl == null) {
            return new DatabaseTarget(dbUrl, dbUser, sourcePassword(), schema, timeouts());
        }
        String password = Passwords.read(System.getenv(), ROLLUP_PASSWORD_ENV, rollupDbPasswordFile,
                "--rollup-db-password-file");
        return new DatabaseTarget(rollupDbUrl, rollupDbUser != null ? rollupDbUser : dbUser,
                password != null ? password : sourcePassword(), schema, timeouts());
    }

    private String sourcePassword() {
        return password(System.getenv(), PASSWORD_ENV, dbPasswordFile, dbUser);
    }

    /** The password of {@code user} from {@code envName} or the password file; fails when there is none. */
    static String password(Map<String, String> env, String envName, Path file, String user) {
        return Passwords.require(env, envName, file, "--db-password-file", user);
    }
}
