package io.github.dashboardmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateBackendDefaultsTest {
    @TempDir
    Path stateDir;

    private JobConfig config() {
        DatabaseTarget db = new DatabaseTarget("jdbc:postgresql://localhost:5432/unstract", "u", "p", "unstract");
        return new JobConfig(db, db, "slot", "pub", Startup.INITIAL, stateDir, null, 500, RetentionPolicy.DEFAULT, 0, 1, 0);
    }

    @Test
    void localRunsUseRocksDbWithIncrementalCheckpointsByDefault() {
        Configuration conf = MetricsJob.flinkConfiguration(config());
        assertThat(conf.toMap()).containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("state.backend.rocksdb.use-bloom-filter", "true")
                .containsEntry("state.backend.rocksdb.memory.partitioned-index-filters", "true")
                .containsEntry("execution.state-recovery.from-local", "true")
                .containsEntry("pipeline.max-parallelism", "128")
                .containsEntry("taskmanager.memory.managed.size", "1g")
                .containsEntry("execution.checkpointing.interval", "500 ms")
                .containsEntry("execution.checkpointing.interval-during-backlog", "60000 ms")
                .containsEntry("pipeline.generic-types", "false");
    }

    @Test
    void hashmapOnRequestWithoutIncrementalCheckpointsOrLocalCopies() {
        Configuration conf = MetricsJob.flinkConfiguration(config(), "HashMap");
        assertThat(conf.toMap()).containsEntry("state.backend.type", "hashmap")
                .containsEntry("execution.checkpointing.incremental", "false")
                .containsEntry("execution.state-recovery.from-local", "false")
                .containsEntry("pipeline.max-parallelism", "128");
    }

    @Test
    void clustersGetTheMaxParallelismFromTheJobItself() {
        assertThat(MetricsJob.jobConfiguration(config()).toMap()).containsEntry("pipeline.max-parallelism", "128")
                .doesNotContainKey("state.backend.type");
    }

    @Test
    void checkpointIntervalDefaultsPerBackend() {
        assertThat(StateBackendDefaults.defaultCheckpointIntervalMs("rocksdb")).isEqualTo(500);
        assertThat(StateBackendDefaults.defaultCheckpointIntervalMs("hashmap")).as("full checkpoints").isEqualTo(5_000);
    }

    @Test
    void unknownBackendsAreRejected() {
        assertThatThrownBy(() -> StateBackendDefaults.parse("memory")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--state-backend must be rocksdb or hashmap, got: memory");
        assertThat(StateBackendDefaults.parse(" RocksDB ")).isEqualTo("rocksdb");
    }
}
