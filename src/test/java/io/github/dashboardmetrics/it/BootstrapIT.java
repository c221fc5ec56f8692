package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bootstrap} as a user runs it, while Unstract keeps writing: the bulk read of one exported
 * snapshot through the job's pipeline, its state written as a savepoint, the rollups written to
 * match; then the printed {@code run} command streams on from the slot's consistent point. Every
 * change committed during the bootstrap, between it and the start of {@code run}, and after, must
 * be counted exactly once: the rollups end equal to the recomputation.
 */
class BootstrapIT {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(300);
    private static final Duration CATCH_UP = Duration.ofSeconds(240);

    @Test
    void bootstrapWhileTheWorkloadRunsThenStreamOnFromItsSavepoint(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("BootstrapIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(12).withHistoryDays(90).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(8_000); // history, for the bulk read

                List<String> database = List.of("--db-url", db.jdbcUrl(), "--db-user", db.user());
                List<String> bootstrapArgs = new ArrayList<>(database);
                bootstrapArgs.addAll(List.of("--slot", "boot", "--publication", "boot", "--savepoint-dir",
                        dir.resolve("savepoints").toString(), "--parallelism", "2"));
                JobProcess bootstrap = JobProcess.start(JobProcess.Command.of("bootstrap", bootstrapArgs),
                        dir.resolve("bootstrap.log"));
                long deadline = System.nanoTime() + BOOTSTRAP.toNanos();
                long during = 0;
                while (bootstrap.isAlive()) { // changes all through the bootstrap: before, at and after the consistent point
                    assertThat(System.nanoTime()).as("bootstrap still running").isLessThan(deadline);
                    during += workload.run(40);
                }
                assertThat(bootstrap.awaitExit(Duration.ZERO)).as(bootstrap.log()).isZero();
                System.out.println("changes during the bootstrap: " + during);
                assertThat(during).isPositive();
                List<String> printed = printedRunCommand(bootstrap.log());

                workload.run(1_500); // after the bootstrap, before run: waiting in the slot

                List<String> runArgs = new ArrayList<>(printed);
                runArgs.addAll(List.of("--state-dir", dir.resolve("state").toString(), "--checkpoint-interval-ms", "1000",
                        "--parallelism", "2"));
                try (JobProcess run = JobProcess.start(JobProcess.Command.run(runArgs), dir.resolve("run.log"))) {
                    workload.run(2_500);
                    VerifyReport report = Await.until("rollups equal to the recomputation", CATCH_UP,
                            () -> RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now())),
                            VerifyReport::isEqual);
                    System.out.println(report.summary(5));
                    assertThat(run.isAlive()).as("job still running").isTrue();
                    assertThat(run.log()).contains("Resuming from");
                }
            }
        }
    }

    /** The arguments of the {@code bin/dashboard-metrics run ...} line bootstrap printed, after {@code run}. */
    static List<String> printedRunCommand(String log) {
        for (String line : log.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("bin/dashboard-metrics run ")) {
                List<String> words = Arrays.asList(trimmed.split(" "));
                return new ArrayList<>(words.subList(2, words.size()));
            }
        }
        throw new AssertionError("bootstrap printed no run command:\n" + log);
    }
}
