package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * {@code backfill} through the command line against a real database: a dry run changes nothing
 * and reports the differences; a real run makes the range exact (including a stale row and a wrong
 * value), leaves rows outside the range and of other organisations alone, and a second run finds
 * nothing left to correct. Its slot is created for it and dropped after it; one that existed
 * before is left.
 */
class BackfillIT {
    @Test
    void recomputesTheRangeInFullAndOnlyTheRange() throws Exception {
        long seed = Exactness.seed("BackfillIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(6).withHistoryDays(90))) {
                workload.setUp();
                workload.run(3_000);
            }
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            LocalDate from = today.minusDays(20);
            String[] base = {"backfill", "--db-url", db.jdbcUrl(), "--db-user", db.user(),
                "--db-password-file", io.github.dashboardmetrics.cli.TestPasswordFile.path(), "--from", from.toString(), "--to", today.toString(), "--slot", "backfill_it", "--publication", "backfill_it"};
            VerifyScope range = VerifyScope.everything(Instant.now()).withDays(from, today);

            String dryRun = run(append(base, "--dry-run"));
            assertThat(dryRun).contains("Dry run: nothing written").contains("MISSING");
            assertThat(rows(target, "SELECT count(*) FROM event_metrics_daily")).isZero();

            String applied = run(base);
            assertThat(applied).contains("Corrected in one transaction").contains("Creating replication slot backfill_it...");
            assertThat(rows(target, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'backfill\\_it%'"))
                    .as("a bounded read leaves no slot holding WAL behind").isZero();
            assertThat(RollupVerifier.verify(target, target, range).isEqual()).isTrue();
            // complete buckets only: the month that holds --from is recomputed in full, including days before it
            assertThat(RollupVerifier.verify(target, target,
                    VerifyScope.everything(Instant.now()).withDays(from.withDayOfMonth(1), from)).table(
                            io.github.dashboardmetrics.rollup.Granularity.MONTHLY).differences()).isEmpty();
            // nothing outside the range was written: days before --from are missing, as they were
            assertThat(rows(target, "SELECT count(*) FROM event_metrics_daily WHERE \"date\" < '" + from + "'")).isZero();

            long victim = rows(target, "SELECT min(organization_id) FROM event_metrics_daily");
            long bystander = rows(target, "SELECT max(organization_id) FROM event_metrics_daily");
            try (Connection c = target.connect(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE event_metrics_daily SET metric_value = metric_value + 1000 WHERE organization_id IN ("
                        + victim + ", " + bystander + ")");
                st.executeUpdate("INSERT INTO event_metrics_hourly (id, created_at, modified_at, \"timestamp\", metric_name,"
                        + " metric_type, metric_value, metric_count, project, tag, organization_id) VALUES (gen_random_uuid(),"
                        + " now(), now(), date_trunc('hour', now()) - interval '3 days', 'challenges', 'counter', 0, 1,"
                        + " 'default', '', " + victim + ") ON CONFLICT DO NOTHING");
            }
            assertThat(RollupVerifier.verify(target, target, range).isEqual()).isFalse();

            String oneOrg = run(append(base, "--org", Long.toString(victim)));
            assertThat(oneOrg).contains("Corrected in one transaction").doesNotContain("is not in");
            assertThat(run(append(base, "--org", "987654321", "--dry-run")))
                    .contains("Note: organisation 987654321 is not in unstract.organization: no rows of it are expected");
            assertThat(RollupVerifier.verify(target, target, range.withOrg(victim)).isEqual()).isTrue();
            VerifyReport others = RollupVerifier.verify(target, target, range.withOrg(bystander));
            assertThat(others.isEqual()).as("another organisation's rows are not touched").isFalse();

            run(base);
            assertThat(RollupVerifier.verify(target, target, range).isEqual()).isTrue();
            try (Connection c = target.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_create_logical_replication_slot('backfill_it', 'pgoutput')");
            }
            assertThat(run(base)).contains("Nothing to correct").contains("Replication slot backfill_it exists already");
            assertThat(rows(target, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'backfill_it'"))
                    .as("a slot that existed before is left as it was").isEqualTo(1);
        }
    }

    private static String[] append(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /** Runs the command line in this JVM and returns what it printed; fails on a non-zero exit. */
    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try (PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(tee);
            code = Main.execute(args);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        System.out.println(output);
        assertThat(code).as("exit code of %s", String.join(" ", args)).isZero();
        return output;
    }

    private static long rows(DatabaseTarget target, String sql) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
