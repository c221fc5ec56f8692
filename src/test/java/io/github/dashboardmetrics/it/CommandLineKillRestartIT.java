package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as a user runs it: {@code run} in its own JVM against a database that already holds
 * Unstract data, killed with SIGKILL in the middle of a 20,000-change workload across 20
 * organisations and more than 3 months, then started again with the very same command. The
 * rollups must end up exactly equal to the recomputation. At parallelism 4: the snapshot's chunks
 * are read by several subtasks, and every keyed operator is split four ways.
 */
class CommandLineKillRestartIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(240);

    @Test
    void sigkillMidwayThenSameCommandResumesAndStaysExact(@TempDir Path stateDir) throws Exception {
        long seed = Exactness.seed("CommandLineKillRestartIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(20).withHistoryDays(120).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(6_000); // existing data, read by the snapshot

                JobProcess.Command command = command(db, stateDir);
                JobProcess first = JobProcess.start(command, stateDir.resolve("first-run.log"));
                try {
                    workload.run(7_000);
                    Await.until("a completed checkpoint", CATCH_UP,
                            () -> CheckpointLocator.latestCompleted(stateDir.resolve("checkpoints")), Optional::isPresent);
                    workload.run(1_000);
                    assertThat(first.log()).as("run created the missing slot before the job started")
                            .contains("Creating replication slot ");
                } finally {
                    first.kill();
                }
                workload.run(3_000); // piles up in the slot while the job is down

                try (JobProcess second = JobProcess.start(command, stateDir.resolve("second-run.log"))) {
                    workload.run(3_000);
                    assertThat(workload.counters().rowChanges()).isGreaterThanOrEqualTo(20_000);
                    VerifyReport report = Await.until("rollups equal to the recomputation", CATCH_UP,
                            () -> RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now())),
                            VerifyReport::isEqual);
                    System.out.println(report.summary(5));
                    assertThat(second.isAlive()).as("job still running").isTrue();
                    assertThat(second.log()).contains("Resuming from").doesNotContain("Creating replication slot ");
                }
            }
        }
    }

    private static JobProcess.Command command(EmbeddedDatabase db, Path stateDir) throws Exception {
        return JobProcess.Command.run(List.of("--db-url", db.jdbcUrl(), "--db-user", db.user(), "--slot", "cli_kill",
                "--publication", "cli_kill", "--state-dir", stateDir.toString(),
                "--checkpoint-interval-ms", "1000", "--parallelism", "4"));
    }
}
