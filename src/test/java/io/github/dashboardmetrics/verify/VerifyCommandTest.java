package io.github.dashboardmetrics.verify;

import static io.github.dashboardmetrics.metric.Metric.LLM_CALLS;
import static io.github.dashboardmetrics.metric.Metric.LLM_USAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.TestPasswordFile;
import io.github.dashboardmetrics.cli.VerifyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code verify} command: options, output and exit codes, on a real PostgreSQL. */
class VerifyCommandTest {
    private static final String SCHEMA = "unstract";
    /** Recent enough to be compared in every tier whatever the clock says. */
    private static final String USAGE_TIME = Instant.now().minus(2, ChronoUnit.HOURS).toString();

    private static EmbeddedUnstract db;
    private static HandRollups hand;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startDatabase() throws Exception {
        db = EmbeddedUnstract.start();
        db.createSchema(SCHEMA, true);
        hand = new HandRollups(Instant.MIN, Instant.MIN);
        try (Connection c = db.connect(SCHEMA)) {
            new SourceRows(c).organization(1, "org_alpha")
                    .usage(SourceRows.id("usage"), 1L, "llm", "extraction", 0.125, USAGE_TIME);
        }
        hand.count(1, LLM_CALLS, USAGE_TIME).add(1, LLM_USAGE, USAGE_TIME, 0.125);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void writeCorrectRollups() throws Exception {
        try (Connection c = db.connect(SCHEMA)) {
            hand.writeTo(c);
        }
    }

    @Test
    void equalExitsZero() {
        assertThat(run()).isZero();
        assertThat(out.toString()).contains("EQUAL", "event_metrics_hourly", "expected 2 rows, actual 2 rows");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void differencesExitOne() throws Exception {
        db.execute(SCHEMA, "DELETE FROM event_metrics_daily WHERE metric_name = 'llm_usage'");
        db.execute(SCHEMA, "UPDATE event_metrics_hourly SET metric_count = 7");

        assertThat(run("--max-differences", "1", "--recheck-s", "1")).isEqualTo(1);
        assertThat(out.toString()).contains("NOT EQUAL: 3 differences (first 1):", "WRONG_COUNT event_metrics_hourly",
                "... and 2 more", "3 rollup rows differed at every recheck (1 recheck in");
        assertThat(err.toString()).contains("verify: 3 rollup rows differ; comparing them again every 1000 ms for up to 1 s",
                "verify: recheck 1: 3 of 3 rollup rows still differ");
    }

    @Test
    void withoutRechecksTheFirstComparisonIsTheReport() throws Exception {
        db.execute(SCHEMA, "UPDATE event_metrics_hourly SET metric_count = 7");

        assertThat(run("--recheck-s", "0")).isEqualTo(1);
        assertThat(out.toString()).contains("NOT EQUAL: 2 differences").doesNotContain("recheck");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void negativeRecheckIsAUsageError() {
        assertThat(run("--recheck-s", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--recheck-s must be >= 0");
    }

    @Test
    void scopeOptions() throws Exception {
        db.execute(SCHEMA, "UPDATE event_metrics_monthly SET metric_value = 5");

        assertThat(run("--org", "2")).isZero();
        assertThat(run("--from", "2000-01-01", "--to", "2000-01-31")).isZero();
        assertThat(run("--hourly-retention-days", "0", "--daily-retention-days", "0", "--monthly-retention-days", "0",
                "--org", "1", "--recheck-s", "0")).isEqualTo(1);
    }

    @Test
    void fromAfterToIsAUsageError() {
        assertThat(run("--from", "2024-03-02", "--to", "2024-03-01")).isEqualTo(2);
        assertThat(err.toString()).contains("--from 2024-03-02 is after --to 2024-03-01");
    }

    @Test
    void malformedDateIsAUsageError() {
        assertThat(run("--from", "03/01/2024")).isEqualTo(2);
        assertThat(err.toString()).contains("--from");
    }

    @Test
    void unreachableDatabaseIsOneLineAndExitsTwo() {
        int exit = new CommandLine(new VerifyCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("--db-url", "jdbc:postgresql://127.0.0.1:1/unstract", "--db-user", "nobody",
                        "--db-password-file", TestPasswordFile.path());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("verify: database error: recomputing from the source tables")
                .doesNotContain("\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void missingRollupTablesAreADatabaseError() {
        assertThat(run("--rollup-db-schema", "public")).isEqualTo(2);
        assertThat(err.toString()).contains("reading the rollup tables", "event_metrics_hourly");
    }

    private int run(String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--db-url", db.target(SCHEMA).jdbcUrl(), "--db-user", "postgres",
                "--db-password-file", TestPasswordFile.path()));
        args.addAll(List.of(extraArgs));
        return new CommandLine(new VerifyCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args.toArray(String[]::new));
    }
}
