package io.github.dashboardmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code run --state-backend} and the checkpoint interval that goes with it. */
class RunStateBackendOptionsTest {
    private static RunCommand parse(String... args) {
        List<String> all = new ArrayList<>(List.of("--db-url", "jdbc:postgresql://db:5432/unstract", "--db-user", "metrics",
                "--db-password-file", TestPasswordFile.path()));
        all.addAll(List.of(args));
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(all.toArray(String[]::new));
        return run;
    }

    @Test
    void rocksDbWithHalfSecondCheckpointsByDefault() {
        RunCommand run = parse();
        assertThat(run.stateBackend).isEqualTo("rocksdb");
        assertThat(run.config().checkpointIntervalMs()).isEqualTo(500);
    }

    @Test
    void hashmapCheckpointsEveryFiveSecondsUnlessTold() {
        JobConfig heap = parse("--state-backend", "hashmap").config();
        assertThat(heap.checkpointIntervalMs()).isEqualTo(5_000);
        assertThat(parse("--state-backend", "hashmap", "--checkpoint-interval-ms", "800").config().checkpointIntervalMs())
                .isEqualTo(800);
        assertThat(parse("--checkpoint-interval-ms", "2000").config().checkpointIntervalMs()).isEqualTo(2_000);
    }

    @Test
    void theSnapshotIsCheckpointedEveryMinuteOrAtTheLongerInterval() {
        assertThat(parse().config().snapshotCheckpointIntervalMs()).isEqualTo(60_000);
        assertThat(parse("--checkpoint-interval-ms", "90000").config().snapshotCheckpointIntervalMs()).isEqualTo(90_000);
        assertThat(parse("--snapshot-checkpoint-interval-ms", "500").config().snapshotCheckpointIntervalMs())
                .isEqualTo(500);
        assertThatThrownBy(() -> parse("--checkpoint-interval-ms", "2000", "--snapshot-checkpoint-interval-ms", "1000")
                .config()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--snapshot-checkpoint-interval-ms must be >= --checkpoint-interval-ms");
    }

    @Test
    void unknownBackendIsABadConfiguration() {
        assertThatThrownBy(() -> parse("--state-backend", "memory").config()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--state-backend must be rocksdb or hashmap, got: memory");
    }

    @Test
    void helpTellsBothDefaults() {
        String help = new CommandLine(new RunCommand()).getUsageMessage().replaceAll("\\s+", " ");
        assertThat(help).contains("--state-backend=rocksdb|hashmap", "Default: rocksdb",
                "Default: 500 with rocksdb, 5000 with hashmap");
    }
}
