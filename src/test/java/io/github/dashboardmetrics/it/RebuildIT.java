package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's rebuild from a fresh snapshot, step by step: while job A keeps the live tables, job
 * B fills shadow tables from its own slot's snapshot; both stop; {@code promote} switches the live
 * tables in one transaction (dropping a stale row A never knew about); B resumes from its
 * checkpoint writing the live tables, and catches up with what changed meanwhile: exact.
 */
class RebuildIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(180);

    private static JobConfig job(DatabaseTarget source, DatabaseTarget rollup, String slot, Path stateDir) {
        return new JobConfig(source, rollup, slot, slot, Startup.INITIAL, stateDir, null, 1000,
                RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
    }

    private static VerifyReport awaitExact(DatabaseTarget source, DatabaseTarget rollup) throws Exception {
        return Exactness.awaitExact(source, rollup);
    }

    @Test
    void secondJobIntoShadowTablesThenPromoteThenResumeOnTheLiveTables(@TempDir Path temp) throws Exception {
        long seed = Exactness.seed("RebuildIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget live = db.target("unstract");
            DatabaseTarget shadow = db.target("unstract_rebuild");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                for (String file : new String[] {"01-prerequisites.sql", "04-rebuild-shadow-tables.sql"}) {
                    st.execute(Files.readString(Path.of("deploy/postgres", file)));
                }
            }
            try (WorkloadGenerator workload = new WorkloadGenerator(live, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(6).withHistoryDays(60))) {
                workload.setUp();
                workload.run(2_000);
                Path stateB = temp.resolve("job-b");
                try (RunningJob jobA = RunningJob.start(job(live, live, "rebuild_a", temp.resolve("job-a")))) {
                    workload.run(1_000);
                    awaitExact(live, live);
                    Sql.insertStaleDailyRow(live, 200); // e.g. left by the Celery task: job A never rewrites it
                    try (RunningJob jobB = RunningJob.start(job(live, shadow, "rebuild_b", stateB))) {
                        workload.run(1_000);
                        awaitExact(live, shadow);
                        Await.until("a checkpoint of job B", CATCH_UP,
                                () -> io.github.dashboardmetrics.pipeline.CheckpointLocator.latestCompleted(
                                        stateB.resolve("checkpoints")), java.util.Optional::isPresent);
                    }
                }
                assertThat(RollupVerifier.verify(live, live, VerifyScope.everything(Instant.now())).isEqual())
                        .as("the live tables hold the stale row before the switch").isFalse();
                workload.run(500); // both jobs down: kept in job B's slot

                assertThat(Main.execute("promote", "--db-url", db.jdbcUrl(), "--db-user", db.user(),
                        "--db-password-file", io.github.dashboardmetrics.cli.TestPasswordFile.path(),
                        "--from-schema", "unstract_rebuild", "--to-schema", "unstract")).isZero();

                try (RunningJob jobB = RunningJob.start(job(live, live, "rebuild_b", stateB))) {
                    assertThat(jobB.resumed).isTrue();
                    workload.run(1_000);
                    VerifyReport report = awaitExact(live, live);
                    System.out.println(report.summary(5));
                }
            }
        }
    }
}
