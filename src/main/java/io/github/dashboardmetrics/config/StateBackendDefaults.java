package io.github.dashboardmetrics.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * The state backend and its tuning, in one place for local runs ({@code run}, {@code demo},
 * {@code bench}) and for clusters: {@link #SHARED} holds the keys flink-conf/config.yaml sets to
 * the very same values (DeployFilesTest compares them), so a local run measures what a cluster runs.
 *
 * <ul>
 *   <li>RocksDB with incremental checkpoints: the state is one small value per live source row,
 *       mostly cold; only the SST files written since the last checkpoint are copied, so a
 *       checkpoint costs what changed, not the whole state, and sub-second intervals are possible.</li>
 *   <li>Bloom filters: almost every state access is a point lookup of one row's key, and most
 *       lookups of a new row's key miss; a filter answers a miss without reading a block.</li>
 *   <li>Managed memory: RocksDB's block cache and write buffers come out of Flink's managed memory.
 *       A local mini cluster gets 128 MiB unless told otherwise, which made RocksDB crawl (issue 11:
 *       ~360 rows/s at 128 MiB, 4.6k rows/s at 1 GiB); local runs get {@value #LOCAL_MANAGED_MEMORY}.</li>
 *   <li>{@code pipeline.max-parallelism} 128: the number of key groups, fixed by the first
 *       checkpoint. 128 is what Flink chose by itself for every parallelism up to 85, so state
 *       written before this setting existed restores unchanged; RocksDB prefixes every key with
 *       its key group in one byte up to 128 (two bytes above); and 128 subtasks are far more than
 *       this job needs (one source slot, keyed stages of a few subtasks).</li>
 *   <li>Local recovery (RocksDB only): a task restarted in the same TaskManager (a database outage, a failed
 *       write) restores from its local copy (hard links to the SST files, nearly free) instead of
 *       the checkpoint store. With the heap backend it would write every full checkpoint twice.</li>
 *   <li>A few failed checkpoints are tolerated: Flink CDC's first checkpoint during snapshot split
 *       assignment may fail once, and must not restart the job.</li>
 * </ul>
 */
public final class StateBackendDefaults {
    public static final String ROCKSDB = "rocksdb";
    public static final String HASHMAP = "hashmap";
    /**
     * Checkpoint interval of a local run on RocksDB: an incremental checkpoint copies only what
     * changed, and once the rollup emits at checkpoint barriers the interval is the freshness.
     */
    public static final long ROCKSDB_CHECKPOINT_INTERVAL_MS = 500;
    /**
     * On the heap every checkpoint is a full copy of the state, written a byte per call for string
     * keys: at 500 ms it took 78 % of the job's CPU in the benchmark (0.6M rows), so 5 s.
     */
    public static final long HASHMAP_CHECKPOINT_INTERVAL_MS = 5_000;
    /**
     * Checkpoint interval while the initial snapshot is read (Flink's
     * {@code execution.checkpointing.interval-during-backlog}): each checkpoint then commits nearly
     * every rollup row again, so the snapshot is committed rarely (BENCHMARKS.md, runs 9 and 10
     * under "Profiled"). Also in flink-conf/config.yaml.
     */
    public static final long SNAPSHOT_CHECKPOINT_INTERVAL_MS = 60_000;

    /** The snapshot's checkpoint interval when none is given: {@link #SNAPSHOT_CHECKPOINT_INTERVAL_MS}, or the streaming one if longer. */
    public static long defaultSnapshotCheckpointIntervalMs(long checkpointIntervalMs) {
        return Math.max(checkpointIntervalMs, SNAPSHOT_CHECKPOINT_INTERVAL_MS);
    }
    /** Managed memory of a local run's TaskManager (RocksDB's cache and write buffers). */
    public static final String LOCAL_MANAGED_MEMORY = "1g";

    /** Keys a local run sets exactly as flink-conf/config.yaml does. */
    public static final Map<String, String> SHARED;

    static {
        Map<String, String> shared = new LinkedHashMap<>();
        shared.put("state.backend.type", ROCKSDB);
        shared.put("execution.checkpointing.incremental", "true");
        shared.put("state.backend.rocksdb.memory.managed", "true");
        shared.put("state.backend.rocksdb.use-bloom-filter", "true");
        shared.put("state.backend.rocksdb.bloom-filter.bits-per-key", "10.0");
        // A whole SST file's filter is one block (a few MB for a large file): in a block cache
        // shard of a few MB, full of pinned blocks, it was read again for every lookup (BENCHMARKS.md).
        shared.put("state.backend.rocksdb.memory.partitioned-index-filters", "true");
        shared.put("execution.state-recovery.from-local", "true");
        shared.put("pipeline.max-parallelism", "128");
        shared.put("execution.checkpointing.tolerable-failed-checkpoints", "3");
        SHARED = java.util.Collections.unmodifiableMap(shared);
    }

    private StateBackendDefaults() {}

    /** The checkpoint interval of a local run on {@code backend} when none is given. */
    public static long defaultCheckpointIntervalMs(String backend) {
        return parse(backend).equals(ROCKSDB) ? ROCKSDB_CHECKPOINT_INTERVAL_MS : HASHMAP_CHECKPOINT_INTERVAL_MS;
    }

    /** Checks a {@code --state-backend} value: {@code rocksdb} or {@code hashmap}. */
    public static String parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (!v.equals(ROCKSDB) && !v.equals(HASHMAP)) {
            throw new IllegalArgumentException("--state-backend must be rocksdb or hashmap, got: " + value);
        }
        return v;
    }

    /**
     * The state settings of a local run: {@link #SHARED} for {@code rocksdb}; for {@code hashmap}
     * the heap backend (full checkpoints, no local copy) with the same max parallelism and tolerance.
     */
    public static Configuration local(String backend) {
        String b = parse(backend);
        Configuration conf = new Configuration();
        SHARED.forEach(conf::setString);
        conf.setString("taskmanager.memory.managed.size", LOCAL_MANAGED_MEMORY);
        if (b.equals(HASHMAP)) {
            conf.setString("state.backend.type", HASHMAP);
            conf.setString("execution.checkpointing.incremental", "false");
            conf.setString("execution.state-recovery.from-local", "false");
        }
        return conf;
    }
}
