package io.github.dashboardmetrics.config;

import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything {@code run} needs, validated once up front. Built by the command line; the password
 * fields of the targets come from the environment only. {@code kafka} is null for the direct
 * PostgreSQL source; with it, the job reads Debezium's topics and slot and publication are unused.
 */
public record JobConfig(
        DatabaseTarget source,
        DatabaseTarget rollup,
        String slot,
        String publication,
        Startup startup,
        Path stateDir,
        String fromSavepoint,
        long checkpointIntervalMs,
        long snapshotCheckpointIntervalMs,
        RetentionPolicy retention,
        long retentionCleanupIntervalMs,
        int parallelism,
        int webPort,
        KafkaSettings kafka) {

    public JobConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(rollup, "rollup");
        DatabaseTarget.requireIdentifier(slot, "--slot");
        DatabaseTarget.requireIdentifier(publication, "--publication");
        Objects.requireNonNull(startup, "startup");
        Objects.requireNonNull(stateDir, "state dir");
        require(checkpointIntervalMs >= 100, "--checkpoint-interval-ms must be >= 100");
        require(snapshotCheckpointIntervalMs >= checkpointIntervalMs,
                "--snapshot-checkpoint-interval-ms must be >= --checkpoint-interval-ms");
        require(retentionCleanupIntervalMs >= 0, "--retention-cleanup-interval-min must be >= 0 (0 = off)");
        require(parallelism >= 1, "--parallelism must be >= 1");
        require(webPort >= 0 && webPort <= 65535, "--web-port must be a port number (0 = any free port)");
        if (kafka != null && (startup == Startup.SNAPSHOT_ONLY || startup == Startup.COMMITTED)) {
            throw new IllegalArgumentException("--source kafka supports --startup initial or latest");
        }
        if (!slot.equals(slot.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("--slot must be lower case (PostgreSQL slot names are), got: " + slot);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * A job on the direct PostgreSQL source (Flink CDC), checkpointing the initial snapshot at
     * {@link StateBackendDefaults#defaultSnapshotCheckpointIntervalMs}.
     */
    public JobConfig(DatabaseTarget source, DatabaseTarget rollup, String slot, String publication, Startup startup,
            Path stateDir, String fromSavepoint, long checkpointIntervalMs,
            RetentionPolicy retention, long retentionCleanupIntervalMs, int parallelism, int webPort) {
        this(source, rollup, slot, publication, startup, stateDir, fromSavepoint, checkpointIntervalMs,
                StateBackendDefaults.defaultSnapshotCheckpointIntervalMs(checkpointIntervalMs),
                retention, retentionCleanupIntervalMs, parallelism, webPort, null);
    }

    /** The same job reading Debezium's topics on Kafka instead of a replication slot of its own. */
    public JobConfig withKafka(KafkaSettings kafkaSettings) {
        return new JobConfig(source, rollup, slot, publication, startup, stateDir, fromSavepoint,
                checkpointIntervalMs, snapshotCheckpointIntervalMs, retention, retentionCleanupIntervalMs, parallelism,
                webPort, Objects.requireNonNull(kafkaSettings, "kafka"));
    }

    /** The same job, checkpointing the initial snapshot every {@code ms} (see {@code SnapshotBacklogEnumerator}). */
    public JobConfig withSnapshotCheckpointIntervalMs(long ms) {
        return new JobConfig(source, rollup, slot, publication, startup, stateDir, fromSavepoint,
                checkpointIntervalMs, ms, retention, retentionCleanupIntervalMs, parallelism, webPort, kafka);
    }

    /** Whether the change events come from Kafka ({@link #kafka()}) rather than the direct source. */
    public boolean readsKafka() {
        return kafka != null;
    }
}
