package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.sink.RollupPromotion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code promote}: the one-transaction switch-over at the end of a rebuild (docs/deploying.md, "Rebuild and promote"). */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Replace the rows of the live rollup tables with those of a shadow schema, in one transaction.",
                "Used to switch dashboards to a rebuild: stop every job writing either schema first (docs/deploying.md)."})
public class PromoteCommand implements Callable<Integer> {
    @Option(names = "--db-url", required = true, paramLabel = "JDBC_URL",
            description = "Database of the rollup tables. Password from env " + DatabaseOptions.PASSWORD_ENV
                    + " or --db-password-file.")
    String dbUrl;

    @Option(names = "--db-password-file", paramLabel = "FILE",
            description = "File whose first line is the password of --db-user, instead of env "
                    + DatabaseOptions.PASSWORD_ENV + ".")
    java.nio.file.Path dbPasswordFile;

    @Option(names = "--db-user", required = true, paramLabel = "USER", description = "Database user.")
    String dbUser;

    @Option(names = "--from-schema", required = true, paramLabel = "SCHEMA",
            description = "Schema of the rebuilt rollup tables.")
    String fromSchema;

    @Option(names = "--to-schema", defaultValue = "unstract", paramLabel = "SCHEMA",
            description = "Schema of the live rollup tables the dashboard reads. Default: ${DEFAULT-VALUE}.")
    String toSchema;

    @Override
    public Integer call() throws Exception {
        DatabaseTarget database = new DatabaseTarget(dbUrl, dbUser,
                DatabaseOptions.password(System.getenv(), DatabaseOptions.PASSWORD_ENV, dbPasswordFile, dbUser), toSchema,
                DatabaseTarget.Timeouts.LONG_STATEMENTS); // renames wait for ACCESS EXCLUSIVE locks: bounded
        RollupPromotion.Promoted p = RollupPromotion.promote(database, fromSchema, toSchema);
        System.out.println("Promoted " + fromSchema + " to " + toSchema + " in one transaction: " + p.removed()
                + " rows replaced by " + p.copied() + ".");
        return 0;
    }
}
