package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.bootstrap.Bootstrap;
import io.github.dashboardmetrics.config.DatabaseTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bootstrap}: builds the streaming job's state in a parallel bulk read, as a savepoint, and
 * prints the {@code run} command that streams on from it. The rows it reads (one exported
 * snapshot) and the changes its slot delivers afterwards meet exactly at the slot's consistent
 * point.
 */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
        description = {"Build the job's state from the source tables in a parallel bulk read (one exported snapshot), write it as a "
                + "savepoint, write the rollup tables to match, and print the run command that streams on from that savepoint "
                + "(--startup committed: from the consistent point of the replication slot the bootstrap creates).",
                "The slot must not exist yet. A bootstrap that fails (exit 1) or is stopped (SIGTERM, Ctrl-C) drops the slot it "
                + "created and its partial savepoint. One killed outright (SIGKILL) is started again with the same command: it "
                + "drops the slot it had created and starts over."})
public final class BootstrapCommand implements Callable<Integer> {
    @Mixin
    DatabaseOptions db;

    @Option(names = "--slot", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Replication slot to create; run streams from it afterwards. Default: ${DEFAULT-VALUE}.")
    String slot;

    @Option(names = "--publication", defaultValue = "dashboard_metrics", paramLabel = "NAME",
            description = "Publication of the captured tables (created or completed when missing). Default: ${DEFAULT-VALUE}.")
    String publication;

    @Option(names = "--savepoint-dir", required = true, paramLabel = "DIR",
            description = "Where the savepoint is written (a new directory bootstrap-<slot>-<time> inside).")
    Path savepointDir;

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "N",
            description = "Readers in parallel, and the parallelism of the bounded job. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--state-backend", defaultValue = "rocksdb", paramLabel = "rocksdb|hashmap",
            description = "Where the bounded job holds the state while it builds it: rocksdb (on local disk, in the "
                    + "managed memory run gets) or hashmap (on the heap: faster, but the heap "
                    + "must hold all of it). The savepoint restores in run on either backend. "
                    + "Default: ${DEFAULT-VALUE}.")
    String stateBackend;

    @Mixin
    SlotWaitOption slotWait;

    @Option(names = "--defer-indexes",
            description = "The rollup tables are empty and nobody reads them until the bootstrap ends (a new shadow schema): "
                    + "drop their indexes, primary and unique keys included, when the rows begin to arrive, insert the rows, "
                    + "and build the indexes again before the commit, in the same transaction: the rows are written in well "
                    + "under half the time (1M rows: 15 s instead of 40 s). Readers of those tables wait until the commit. "
                    + "Refused up front unless every rollup table is empty, owned by the rollup role, which may also create "
                    + "in their schema, and referenced by no other table's foreign key (deploy/postgres/"
                    + "04-rebuild-shadow-tables.sql has the lines). Default: off (the indexes are kept up to date row by row).")
    boolean deferIndexes;

    @Option(names = "--progress-every-s", defaultValue = "30", paramLabel = "SECONDS",
            description = "While the tables are read, a line every SECONDS with the rows read so far, the key ranges "
                    + "read of all, and the rate. Default: ${DEFAULT-VALUE}.")
    int progressEverySeconds;

    @Mixin
    RetentionOptions retention;

    @Override
    public Integer call() throws Exception {
        if (progressEverySeconds < 1) {
            throw new IllegalArgumentException("--progress-every-s must be at least 1, got " + progressEverySeconds);
        }
        LocalResources.requireWritableDirectory(savepointDir, "--savepoint-dir");
        db.withDefaultTimeouts(DatabaseTarget.Timeouts.LONG_STATEMENTS);
        Bootstrap.Outcome outcome = Bootstrap.run(new Bootstrap.Settings(db.source(), db.rollup(), slot, publication,
                savepointDir, parallelism, retention.policy(), stateBackend,
                slotWait.limit(), deferIndexes),
                System.out::println, Duration.ofSeconds(progressEverySeconds));
        System.out.printf("Done in %.1f s. Stream on from the savepoint with:%n%n", outcome.seconds());
        System.out.println("  " + String.join(" ", runCommand(outcome.savepoint())));
        System.out.println();
        System.out.println("Run it once: after its first checkpoint, resume with run alone (its newest checkpoint).");
        return 0;
    }

    private List<String> runCommand(Path savepoint) {
        List<String> line = new ArrayList<>(List.of("bin/dashboard-metrics", "run"));
        line.addAll(db.asArguments());
        line.addAll(List.of("--slot", slot, "--publication", publication, "--startup", "committed",
                "--from-savepoint", savepoint.toString()));
        line.addAll(RetentionOptions.arguments(retention.policy()));
        return line;
    }
}
