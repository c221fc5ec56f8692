package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bootstrap that fails (here: the rollup database refuses its rows, as a trigger or a
 * terminated connection would) cleans up at once, not at the next attempt: the replication slot
 * it created is dropped (it would hold WAL until somebody did), the partial savepoint is gone,
 * the rollup tables are as they were, and the last line says what failed. The same command then
 * runs cleanly. One stopped with SIGTERM while it reads cleans up the same way.
 */
class BootstrapFailureIT {
    private static final String SLOT = "dashboard_metrics";
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d \\w+ .*");

    @Test
    void aFailedBootstrapDropsItsSlotAndPartialSavepointAndTheSameCommandThenSucceeds(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("BootstrapFailureIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            DatabaseTarget target = withWorkload(db, seed);
            Sql.execute(target, "CREATE FUNCTION unstract.refuse_rollup_rows() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'rollup rows refused by a test trigger'; END $$");
            Sql.execute(target, "CREATE TRIGGER refuse_rollup_rows BEFORE INSERT ON unstract.event_metrics_hourly"
                    + " FOR EACH ROW EXECUTE FUNCTION unstract.refuse_rollup_rows()");
            Path savepoints = dir.resolve("savepoints");
            JobProcess.Command command = JobProcess.Command.of("bootstrap", List.of("--db-url", db.jdbcUrl(),
                    "--db-user", db.user(), "--slot", SLOT, "--savepoint-dir", savepoints.toString()));

            JobProcess failed = JobProcess.start(command, dir.resolve("failed.log"));
            assertThat(failed.awaitExit(Duration.ofSeconds(300))).as(failed.log()).isEqualTo(1);
            // Its own lines, without the log's (time, level, logger), which a shutdown may still add.
            List<String> lines = failed.log().lines().filter(l -> !l.isBlank() && !LOG_LINE.matcher(l).matches()).toList();
            assertThat(lines).as(failed.log()).contains("      dropped replication slot " + SLOT);
            assertThat(lines.get(lines.size() - 1)).as("the last line says what failed")
                    .startsWith("dashboard-metrics: bootstrap failed: ")
                    .contains("rollup rows refused by a test trigger");
            assertThat(slots(target))
                    .as("no slot left holding WAL").isZero();
            try (Stream<Path> left = Files.list(savepoints)) {
                assertThat(left).as("no partial savepoint, no in-progress marker").isEmpty();
            }
            for (String table : List.of("event_metrics_hourly", "event_metrics_daily", "event_metrics_monthly")) {
                assertThat(Sql.longValue(target, "SELECT count(*) FROM unstract." + table)).as(table + " as it was").isZero();
            }

            Sql.execute(target, "DROP TRIGGER refuse_rollup_rows ON unstract.event_metrics_hourly");
            JobProcess again = JobProcess.start(command, dir.resolve("again.log"));
            assertThat(again.awaitExit(Duration.ofSeconds(300))).as(again.log()).isZero();
            assertThat(again.log()).as("nothing of the failed attempt to clean up").doesNotContain("did not finish");
            assertThat(Sql.longValue(target, "SELECT count(*) FROM unstract.event_metrics_hourly")).isPositive();
            assertThat(slots(target))
                    .isOne();
        }
    }

    @Test
    void aBootstrapStoppedWhileItReadsDropsItsSlotAndPartialSavepoint(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("BootstrapFailureIT stop");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            DatabaseTarget target = withWorkload(db, seed);
            Path savepoints = dir.resolve("savepoints");
            JobProcess bootstrap = JobProcess.start(JobProcess.Command.of("bootstrap", List.of("--db-url", db.jdbcUrl(),
                    "--db-user", db.user(), "--slot", SLOT, "--savepoint-dir", savepoints.toString())), dir.resolve("stopped.log"));
            // The slot exists (held by the connection that exported the snapshot) once the read begins.
            bootstrap.awaitLog("[3/4] Reading", Duration.ofSeconds(120));
            assertThat(slots(target))
                    .as("the slot, while the bootstrap reads").isOne();

            assertThat(bootstrap.stop(Duration.ofSeconds(60))).as(bootstrap.log()).isEqualTo(143); // 128 + SIGTERM
            assertThat(bootstrap.log()).contains("stopped before the bootstrap ended", "dropped replication slot " + SLOT)
                    .doesNotContain("Stream on from the savepoint");
            assertThat(slots(target))
                    .as("no slot left holding WAL").isZero();
            try (Stream<Path> left = Files.list(savepoints)) {
                assertThat(left).as("no partial savepoint, no in-progress marker").isEmpty();
            }
        }
    }

    /** The Unstract schema with a few thousand changes of a seeded workload in it. */
    private static DatabaseTarget withWorkload(EmbeddedDatabase db, long seed) throws Exception {
        db.createUnstractSchema("unstract", true);
        DatabaseTarget target = db.target("unstract");
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                WorkloadGenerator.Options.defaults().withOrganizations(4))) {
            workload.setUp();
            workload.run(2_000);
        }
        return target;
    }

    /** Replication slots named {@link #SLOT}: 0 or 1. */
    private static long slots(DatabaseTarget target) throws Exception {
        return Sql.longValue(target, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'");
    }
}
