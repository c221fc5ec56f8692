package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.verify.Recheck;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code verify}: recompute the rollups from the source tables and diff them with the rollup tables. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {
            "Recomputes the dashboard metrics from Unstract's source tables and compares them with "
                    + "event_metrics_hourly, event_metrics_daily and event_metrics_monthly "
                    + "(values with a relative tolerance of 1e-9, counts and types exactly).",
            "Buckets older than a tier's retention, and the oldest retained bucket, are not compared.",
            "Both sides are read in one snapshot when they are in one database. Rows that differ are "
                    + "compared again for up to --recheck-s seconds and reported only if they differ every "
                    + "time: under a steady flow of changes the job's last second or so, not yet committed, "
                    + "agrees at a recheck.",
            "Exit code: 0 equal, 1 differences found, 2 usage or database error."})
public class VerifyCommand implements Callable<Integer> {
    static final int EXIT_EQUAL = 0;
    static final int EXIT_DIFFERENT = 1;
    static final int EXIT_ERROR = 2;

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions db;

    @Option(names = "--org", paramLabel = "ID",
            description = "Only this organisation (organization.id). Default: all.")
    Long org;

    @Option(names = "--from", paramLabel = "DATE",
            description = "First UTC day to compare, yyyy-MM-dd (months overlapping the range are compared).")
    LocalDate from;

    @Option(names = "--to", paramLabel = "DATE", description = "Last UTC day to compare, yyyy-MM-dd, inclusive.")
    LocalDate to;

    @Mixin
    RetentionOptions retention;

    @Option(names = "--max-differences", paramLabel = "N", defaultValue = "20",
            description = "How many differences to print. Default: ${DEFAULT-VALUE}.")
    int maxDifferences;

    @Option(names = "--recheck-s", paramLabel = "SECONDS", defaultValue = "30",
            description = "When rows differ, compare them again every second, each time in a new snapshot, "
                    + "for up to this long; only rows that differ every time are reported (0: report the "
                    + "first comparison as it is). Default: ${DEFAULT-VALUE}.")
    int recheckSeconds;

    /** The pause before each recheck: a checkpoint interval (500 ms by default) and a commit. */
    static final Duration RECHECK_EVERY = Duration.ofSeconds(1);

    @Override
    public Integer call() {
        VerifyScope scope = scope();
        DatabaseTarget source;
        DatabaseTarget rollup;
        try {
            db.withDefaultTimeouts(DatabaseTarget.Timeouts.LONG_STATEMENTS);
            source = db.source();
            rollup = db.rollup();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            VerifyReport report = RollupVerifier.verify(source, rollup, scope,
                    new Recheck(Duration.ofSeconds(recheckSeconds), RECHECK_EVERY, line -> {
                        err.println("verify: " + line);
                        err.flush();
                    }));
            out.println(report.summary(maxDifferences));
            out.flush();
            return report.isEqual() ? EXIT_EQUAL : EXIT_DIFFERENT;
        } catch (SQLException e) {
            err.println("verify: database error: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim());
            err.flush();
            return EXIT_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("verify: interrupted while rechecking");
            err.flush();
            return EXIT_ERROR;
        }
    }

    /** The options as a scope; invalid combinations are usage errors (message, usage, exit 2). */
    private VerifyScope scope() {
        if (from != null && to != null && from.isAfter(to)) {
            throw new ParameterException(spec.commandLine(),
                    "--from " + from + " is after --to " + to + ": the day range is empty");
        }
        RetentionPolicy policy;
        try {
            policy = retention.policy();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (recheckSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--recheck-s must be >= 0");
        }
        if (maxDifferences < 0) {
            throw new ParameterException(spec.commandLine(), "--max-differences must be >= 0");
        }
        return new VerifyScope(org, from, to, policy.hourlyDays(), policy.dailyDays(), policy.monthlyDays(),
                Instant.now());
    }
}
