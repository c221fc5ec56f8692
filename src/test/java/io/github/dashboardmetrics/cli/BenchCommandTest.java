package io.github.dashboardmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.bench.BenchProfile;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
    private static BenchCommand parse(String... args) {
        BenchCommand command = new BenchCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void quickByDefaultAndOverridable() {
        assertThat(parse().effectiveProfile()).isEqualTo(BenchProfile.quick());
        BenchProfile p = parse("--profile", "full", "--organizations", "5", "--history-months", "2", "--rows", "20000",
                "--rates", "100,200", "--step-seconds", "7").effectiveProfile();
        assertThat(p.name()).isEqualTo("full");
        assertThat(p.organizations()).isEqualTo(5);
        assertThat(p.historyMonths()).isEqualTo(2);
        assertThat(p.rows()).isEqualTo(20_000);
        assertThat(p.rates()).containsExactly(100, 200);
        assertThat(p.stepSeconds()).isEqualTo(7);
        assertThat(parse("--catchup-changes", "5000").effectiveProfile().catchupChanges()).isEqualTo(5_000);
    }

    @Test
    void bothStateBackendsByDefaultAtRunsCheckpointInterval() {
        assertThat(parse().jobSettings().stateBackends()).containsExactly("rocksdb", "hashmap");
        assertThat(parse("--state-backend", "hashmap").jobSettings().stateBackends()).containsExactly("hashmap");
        assertThat(parse().jobSettings().checkpointIntervalMs("rocksdb")).as("as run").isEqualTo(500);
        assertThat(parse().jobSettings().checkpointIntervalMs("hashmap")).as("as run").isEqualTo(5_000);
        assertThat(parse("--checkpoint-interval-ms", "1000").jobSettings().checkpointIntervalMs("hashmap")).isEqualTo(1_000);
        assertThat(parse("--profile", "scale").effectiveProfile().rows()).isEqualTo(10_000_000);
        assertThat(parse("--profile", "restore").effectiveProfile().rows()).isEqualTo(2_000_000);
    }

    @Test
    void badOptionsAreRejected() {
        assertThatThrownBy(() -> parse("--profile", "medium").effectiveProfile()).hasMessageContaining("quick, full, scale or restore");
        assertThatThrownBy(() -> parse("--rates", "500,250").effectiveProfile()).hasMessageContaining("increase");
        assertThatThrownBy(() -> parse("--organizations", "0").effectiveProfile()).hasMessageContaining("--organizations");
        assertThatThrownBy(() -> parse("--step-seconds", "1").effectiveProfile()).hasMessageContaining("--step-seconds");
        assertThatThrownBy(() -> parse("--state-backend", "memory").effectiveProfile()).hasMessageContaining("rocksdb or hashmap");
        assertThatThrownBy(() -> parse("--catchup-changes", "10").effectiveProfile()).hasMessageContaining("--catchup-changes");
        assertThatThrownBy(() -> parse("--checkpoint-interval-ms", "10").effectiveProfile())
                .hasMessageContaining("--checkpoint-interval-ms");
    }

    @Test
    void badOptionsExitWith2BeforeStartingAnything() {
        assertThat(Main.execute("bench", "--rates", "10,5")).isEqualTo(2);
        assertThat(Main.execute("bench", "--rows", "lots")).isEqualTo(2);
    }

    @Test
    void quickProfileDoublesTheRateFrom250To32000() {
        assertThat(BenchProfile.quick().rates()).isEqualTo(List.of(250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000));
    }
}
