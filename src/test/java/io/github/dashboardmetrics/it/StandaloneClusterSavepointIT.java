package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.bootstrap.BootstrapRecord;
import io.github.dashboardmetrics.cli.DatabaseOptions;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's life on a real standalone Flink cluster, through the deploy/standalone scripts as an
 * operator would use them: submit the shaded job jar, stream a workload, stop with a savepoint
 * while changes keep coming, resume from the savepoint, stream more: verify finds no difference,
 * so nothing was counted twice or lost across the savepoint. And the TaskManager process killed
 * (SIGKILL) while the job runs, then a new one started: the job recovers from its checkpoint by itself.
 * A bootstrap's savepoint submitted without {@code --startup committed} is refused.
 */
class StandaloneClusterSavepointIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private static String match(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        assertThat(m.find()).as("expected %s in:%n%s", pattern, output).isTrue();
        return m.group(1);
    }

    @Test
    void submitStopWithSavepointResumeStaysExact(@TempDir Path temp) throws Exception {
        long seed = Exactness.seed("StandaloneClusterSavepointIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start();
                StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(temp.resolve("flink"))) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            Map<String, String> env = Map.of(DatabaseOptions.PASSWORD_ENV, db.password());
            List<String> runArgs = List.of("--db-url", db.jdbcUrl(), "--db-user", db.user(),
                    "--slot", "cluster_it", "--publication", "cluster_it",
                    "--reset-rollups", "always");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(8).withHistoryDays(70))) {
                workload.setUp();
                workload.run(2_000);

                String firstJob = match(JOB_ID, cluster.script("submit.sh", env, runArgs));
                workload.run(2_000);
                awaitExact(target);

                workload.run(500); // in flight while the savepoint is taken
                String stopped = cluster.script("stop-with-savepoint.sh", Map.of(), List.of(firstJob));
                String savepoint = match(SAVEPOINT, stopped);
                assertThat(cluster.jobState(firstJob)).isEqualTo("FINISHED");

                workload.run(1_500); // while the job is stopped
                List<String> resumeArgs = new java.util.ArrayList<>(List.of(savepoint));
                resumeArgs.addAll(runArgs.subList(0, runArgs.size() - 2)); // resuming: never reset
                String secondJob = match(JOB_ID, cluster.script("resume.sh", env, resumeArgs));
                workload.run(1_500);
                VerifyReport report = awaitExact(target);
                System.out.println(report.summary(5));
                assertThat(cluster.jobState(secondJob)).isEqualTo("RUNNING");
                // the savepoint carried the state: the resumed job restored it rather than re-snapshotting
                assertThat(cluster.get("/jobs/" + secondJob + "/checkpoints").path("latest").path("restored")
                        .path("external_path").asText()).contains(Path.of(savepoint.replace("file:", "")).getFileName().toString());
                cluster.cancel(secondJob); // stop it before the database goes away

                // A bootstrap's savepoint is checked on a cluster as in a local run: resumed without
                // --startup committed, the submission is refused before a job starts.
                Path savepointDir = Path.of(savepoint.replace("file:", ""));
                new BootstrapRecord("cluster_it", 0x1000, "unstract", RetentionPolicy.DEFAULT).write(savepointDir);
                StandaloneFlinkCluster.Exit refused = cluster.scriptExit("resume.sh", env, resumeArgs);
                assertThat(refused.code()).as(refused.output()).isNotZero();
                assertThat(refused.output()).contains("is a bootstrap's savepoint: start it with --startup committed");
            }
        }
    }

    @Test
    void taskManagerKilledThenANewOneTakesOverStaysExact(@TempDir Path temp) throws Exception {
        long seed = Exactness.seed("StandaloneClusterSavepointIT.taskManagerKilled");
        try (EmbeddedDatabase db = EmbeddedDatabase.start();
                StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(temp.resolve("flink"))) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            Map<String, String> env = Map.of(DatabaseOptions.PASSWORD_ENV, db.password());
            List<String> runArgs = List.of("--db-url", db.jdbcUrl(), "--db-user", db.user(),
                    "--slot", "cluster_tm", "--publication", "cluster_tm",
                    "--reset-rollups", "always");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(8).withHistoryDays(70))) {
                workload.setUp();
                workload.run(2_000);
                String job = match(JOB_ID, cluster.script("submit.sh", env, runArgs));
                workload.run(1_000);
                awaitExact(target);
                Await.until("a completed checkpoint", CATCH_UP,
                        () -> cluster.get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asInt(),
                        completed -> completed > 0);

                workload.run(500); // in flight when the TaskManager dies
                cluster.killTaskManager();
                workload.run(500); // while the job has no TaskManager
                cluster.startTaskManager();
                workload.run(500);
                VerifyReport report = awaitExact(target);
                System.out.println(report.summary(5));
                assertThat(cluster.jobState(job)).isEqualTo("RUNNING");
                // The same job recovered from its checkpoint on the new TaskManager: a failure in its history.
                assertThat(cluster.get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries").size())
                        .as("failures in the job's exception history").isPositive();
                cluster.cancel(job);
            }
        }
    }

    private static VerifyReport awaitExact(DatabaseTarget target) throws Exception {
        return Exactness.awaitExact(target, target);
    }
}
