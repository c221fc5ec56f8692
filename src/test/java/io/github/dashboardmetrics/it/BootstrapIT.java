package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.cli.TestPasswordFile;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code bootstrap} as a user runs it, while Unstract keeps writing: the bulk read of one exported
 * snapshot through the job's pipeline, its state written as a savepoint, the rollups written to
 * match; then the printed {@code run} command streams on from the slot's consistent point. Every
 * change committed during the bootstrap, between it and the start of {@code run}, and after, must
 * be counted exactly once: the rollups end equal to the recomputation. A first attempt is killed
 * with SIGKILL while it reads: the same command cleans up after it and starts over, leaving no
 * orphaned slot. The job is killed after the hand-off and resumed with {@code run} alone. Once it has
 * streamed, the printed command is refused. The bootstrap builds the state on one state backend and
 * run restores it on the other, at another parallelism. The second case is the reprocessing path: bootstrap into shadow
 * tables while the live ones hold stale rows, stream until verify agrees, promote.
 */
class BootstrapIT {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(300);
    private static final Duration CATCH_UP = Duration.ofSeconds(240);

    /**
     * The first case takes both commands' default parallelism (bootstrap 2, run 1), as a user
     * following the README does: the savepoint is written by two subtasks and restored by one. The
     * second scales the other way (written by one, restored by three). An empty parallelism gives
     * no {@code --parallelism}.
     */
    @ParameterizedTest(name = "bootstrap on {1} at p{3} into {2}, run on {0} at p{4}")
    @CsvSource({"rocksdb, hashmap, unstract, , ", "hashmap, rocksdb, unstract_rebuild, 1, 3"})
    void bootstrapWhileTheWorkloadRunsThenStreamOnFromItsSavepoint(String stateBackend, String bootstrapBackend,
            String rollupSchema, String bootstrapParallelism, String runParallelism, @TempDir Path dir)
            throws Exception {
        long seed = Exactness.seed("BootstrapIT " + stateBackend);
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            DatabaseTarget rollups = db.target(rollupSchema);
            boolean shadow = !rollupSchema.equals("unstract");
            if (shadow) {
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    for (String file : new String[] {"01-prerequisites.sql", "04-rebuild-shadow-tables.sql"}) {
                        st.execute(Files.readString(Path.of("deploy/postgres", file)));
                    }
                }
            }
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(12).withHistoryDays(90).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(8_000); // history, for the bulk read
                if (shadow) {
                    Sql.insertStaleDailyRow(target, 20); // what an earlier rule left in the live tables: promote must replace it
                }

                List<String> database = List.of("--db-url", db.jdbcUrl(), "--db-user", db.user());
                List<String> bootstrapArgs = new ArrayList<>(database);
                bootstrapArgs.addAll(List.of("--slot", "boot", "--publication", "boot", "--savepoint-dir",
                        dir.resolve("savepoints").toString(), "--state-backend", bootstrapBackend,
                        "--rollup-db-schema", rollupSchema));
                bootstrapArgs.addAll(parallelism(bootstrapParallelism));
                if (shadow) { // the shadow tables are new and empty: their indexes built after the rows
                    bootstrapArgs.add("--defer-indexes");
                }
                String indexesOfTheRollups = "SELECT string_agg(indexname || ' ' || indexdef, '; ' ORDER BY indexname)"
                        + " FROM pg_indexes WHERE schemaname = '" + rollupSchema + "' AND tablename LIKE 'event_metrics_%'";
                String indexesBefore = Sql.stringValue(target, indexesOfTheRollups);
                JobProcess.Command bootstrapCommand = JobProcess.Command.of("bootstrap", bootstrapArgs);

                // Killed midway, while it reads: its slot is left behind, and the marker that names it.
                JobProcess killed = JobProcess.start(bootstrapCommand, dir.resolve("killed-bootstrap.log"));
                killed.awaitLog("[3/4]", BOOTSTRAP);
                workload.run(300);
                killed.kill();
                assertThat(Sql.longValue(target, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'boot'"))
                        .as("the killed attempt's slot").isEqualTo(1);
                assertThat(dir.resolve("savepoints").resolve("bootstrap-boot.inprogress")).exists();

                // The same command again: it drops that slot and starts over, while the workload goes on,
                // and transactions held open across the slot's creation straddle its consistent point.
                JobProcess bootstrap;
                long during = 0;
                try (HeldTransactions held = new HeldTransactions(target);
                        BackgroundWorkload holding = BackgroundWorkload.start("held-transactions", held)) {
                    bootstrap = JobProcess.start(bootstrapCommand, dir.resolve("bootstrap.log"));
                    long deadline = System.nanoTime() + BOOTSTRAP.toNanos();
                    while (bootstrap.isAlive()) { // changes all through the bootstrap: before, at and after the consistent point
                        assertThat(System.nanoTime()).as("bootstrap still running").isLessThan(deadline);
                        during += workload.run(40);
                    }
                    assertThat(holding.changes()).as("held transactions committed during the bootstrap").isPositive();
                }
                assertThat(bootstrap.awaitExit(Duration.ZERO)).as(bootstrap.log()).isZero();
                assertThat(bootstrap.log()).contains("did not finish: dropping its slot");
                assertThat(Sql.longValue(target, "SELECT count(*) FROM pg_replication_slots"))
                        .as("one slot: the second attempt's, nothing orphaned").isEqualTo(1);
                assertThat(dir.resolve("savepoints").resolve("bootstrap-boot.inprogress")).doesNotExist();
                assertThat(Sql.stringValue(target, indexesOfTheRollups)).as("the rollup tables' indexes").isEqualTo(indexesBefore);
                if (shadow) {
                    assertThat(bootstrap.log()).containsPattern(" [1-9][0-9]* indexes built again");
                }
                System.out.println("changes during the bootstrap: " + during);
                assertThat(during).isPositive();
                List<String> printed = printedRunCommand(bootstrap.log());

                workload.run(1_500); // after the bootstrap, before run: waiting in the slot

                List<String> runArgs = new ArrayList<>(printed);
                runArgs.addAll(List.of("--state-dir", dir.resolve("state").toString(), "--checkpoint-interval-ms", "1000",
                        "--state-backend", stateBackend));
                runArgs.addAll(parallelism(runParallelism));
                try (JobProcess run = JobProcess.start(JobProcess.Command.run(runArgs), dir.resolve("run.log"))) {
                    workload.run(2_500);
                    awaitExact(run, target, rollups);
                    run.log().lines().filter(l -> l.contains("Streaming from replication slot")).forEach(System.out::println);
                    assertThat(run.log()).contains("Resuming from");
                    // SIGKILL after the hand-off, once the job has a checkpoint of its own.
                    Await.until("a completed checkpoint", CATCH_UP,
                            () -> CheckpointLocator.latestCompleted(dir.resolve("state").resolve("checkpoints")),
                            Optional::isPresent);
                    workload.run(500);
                    run.kill();
                }
                workload.run(1_000); // piles up in the slot while the job is down

                // Resumed with run alone: the printed command without the savepoint, the job's newest checkpoint.
                List<String> resumeArgs = new ArrayList<>(runArgs);
                int savepointAt = resumeArgs.indexOf("--from-savepoint");
                resumeArgs.remove(savepointAt + 1);
                resumeArgs.remove(savepointAt);
                try (JobProcess resumed = JobProcess.start(JobProcess.Command.run(resumeArgs), dir.resolve("resumed.log"))) {
                    workload.run(1_000);
                    awaitExact(resumed, target, rollups);
                    assertThat(resumed.log()).contains("Resuming from").contains("checkpoints");
                    resumed.kill();
                }

                // The printed command a second time, once the job has streamed from the slot: refused,
                // it would restore the bootstrap's state while the slot is past its consistent point.
                List<String> again = new ArrayList<>(printed);
                again.addAll(List.of("--state-dir", dir.resolve("state-again").toString()));
                JobProcess refused = JobProcess.start(JobProcess.Command.run(again), dir.resolve("run-again.log"));
                assertThat(refused.awaitExit(Duration.ofSeconds(120))).as(refused.log()).isEqualTo(2);
                assertThat(refused.log()).contains("this savepoint was already started from");

                if (shadow) { // reprocessing: the shadow tables agreed with verify; promote them
                    assertThat(RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now())).isEqual())
                            .as("the live tables hold the stale row before promote").isFalse();
                    assertThat(Main.execute("promote", "--db-url", db.jdbcUrl(), "--db-user", db.user(),
                            "--db-password-file", TestPasswordFile.path(), "--from-schema", rollupSchema,
                            "--to-schema", "unstract")).isZero();
                    VerifyReport promoted = RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now()));
                    assertThat(promoted.isEqual()).as(promoted.summary(5)).isTrue();
                }
            }
        }
    }

    /** Waits until verify finds the rollups exact while {@code job} runs; on failure, the end of its log. */
    private static void awaitExact(JobProcess job, DatabaseTarget source, DatabaseTarget rollups) throws Exception {
        try {
            VerifyReport report = Await.until("rollups equal to the recomputation", CATCH_UP, () -> {
                if (!job.isAlive()) {
                    throw new AssertionError("the job exited with " + job.awaitExit(Duration.ZERO));
                }
                return RollupVerifier.verify(source, rollups, VerifyScope.everything(Instant.now()));
            }, VerifyReport::isEqual);
            System.out.println(report.summary(5));
        } catch (AssertionError e) {
            String log = job.log();
            throw new AssertionError(e.getMessage() + "\n--- end of its log:\n" + log.substring(Math.max(0, log.length() - 20_000)), e);
        }
    }

    /**
     * Transactions that each stay open for {@value #HOLD_MS} ms between two usage inserts, one after
     * the other: one of them is open when the bootstrap's slot reaches its consistent point, so its
     * first insert lies before that point and its commit after it. It must come through the slot,
     * whole, and not through the snapshot. A step returns 1 per transaction committed.
     */
    private static final class HeldTransactions implements BackgroundWorkload.Step, AutoCloseable {
        static final long HOLD_MS = 50;
        private static final String INSERT = "INSERT INTO unstract.usage (created_at, modified_at, id, adapter_instance_id,"
                + " usage_type, llm_usage_reason, model_name, embedding_tokens, prompt_tokens, completion_tokens,"
                + " total_tokens, cost_in_dollars, organization_id) SELECT now(), now(), gen_random_uuid(), 'held', 'llm',"
                + " 'extraction', 'held', 0, 1, 1, 2, 0.25, min(id) FROM unstract.organization";
        private final java.sql.Connection connection;

        HeldTransactions(DatabaseTarget target) throws java.sql.SQLException {
            connection = target.connect();
            connection.setAutoCommit(false);
        }

        @Override
        public long run() throws Exception {
            try (java.sql.Statement st = connection.createStatement()) {
                st.execute(INSERT);
                Thread.sleep(HOLD_MS); // the transaction held open on purpose
                st.execute(INSERT);
                connection.commit();
                return 1;
            } catch (java.sql.SQLException e) {
                connection.rollback(); // e.g. a lock the workload holds: this one is simply not committed
                return 0;
            }
        }

        @Override
        public void close() throws java.sql.SQLException {
            connection.close();
        }
    }

    /** {@code --parallelism N}, or nothing for the command's default. */
    private static List<String> parallelism(String n) {
        return n == null ? List.of() : List.of("--parallelism", n);
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
