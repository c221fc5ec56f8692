package io.github.dashboardmetrics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    private static final Checkpoints.Summary CHECKPOINTS = new Checkpoints.Summary(40, 1, 300, 900, 1200, 350);

    static BenchReport sample() {
        List<StepResult> steps = List.of(
                new StepResult(1000, 1001, 10_010, 100, 400, 700, 800, 1.0, 100, 200, 0.5, true, "sustained"),
                new StepResult(2000, 2002, 20_020, 100, 500, 900, 1200, 2.0, 100, 300, 0.7, true, "sustained"),
                new StepResult(4000, 3000, 30_000, 100, 5000, 9000, 9900, 300, 100, 9000, 9, false, "not sustained: lag growing"));
        BackendRun rocksdb = new BackendRun("rocksdb", 500, 100_000, 2.5, true, 7_000, 8_000_000, 1_000_000, steps, true, 60_050, 30_025,
                400, 100, CHECKPOINTS, 100_000, 10.0, true, 300, 2_000);
        BackendRun hashmap = new BackendRun("hashmap", 5_000, 100_000, 4.0, true, 7_000, 30_000_000, 30_000_000,
                List.of(new StepResult(1000, 1000, 10_000, 100, 900, 1500, 2500, 1.0, 100, 200, 0.5, true, "sustained")), true,
                10_000, 5_000, 1500, 900, CHECKPOINTS, 100_000, 25.0, false, 1_200, 2_400);
        BenchReport.Ceiling ceiling = new BenchReport.Ceiling(100_000, 2.0, new SourceCeiling.Drain(100_000, 5.0, 0.8));
        RestoreMeasurement.Result restore = new RestoreMeasurement.Result("rocksdb", 2_000_000, 400, 150_000_000, 12.0, 31.0, true, "/tmp/run.log");
        return new BenchReport(BenchProfile.quick(), new BenchRunner.JobSettings(null, null, List.of("rocksdb", "hashmap"), 2),
                new double[] {1, 1, 1}, new double[] {2, 2, 2}, Map.of("usage", 100L), 1.5, 100_000, ceiling,
                List.of(rocksdb, hashmap), new BenchReport.BootstrapRun(100_000, 1.0, 2, true, "rocksdb", 900, 250, 1_800, false), new CeleryReplay.Run(20, 407, 366, 900, 0.5), new CeleryReplay.Run(20, 407, 366, 900, 0.25),
                new RawDecodeReader.Result(60_050, 0.5), restore, 2_500, 2_048);
    }

    @Test
    void jsonHasTheKeysOfIssue11PerBackend(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/bench.json");
        sample().writeJson(file);
        JsonNode json = new ObjectMapper().readTree(Files.readString(file));
        assertThat(json.get("source_ceiling_snapshot_rows_per_s").asDouble()).isEqualTo(50_000);
        assertThat(json.get("source_ceiling_streaming_changes_per_s").asDouble()).isEqualTo(20_000);
        assertThat(json.get("snapshot_rows_per_s_rocksdb").asDouble()).isEqualTo(40_000);
        assertThat(json.get("snapshot_rows_per_s_hashmap").asDouble()).isEqualTo(25_000);
        assertThat(json.get("catchup_changes_per_s_rocksdb").asDouble()).isEqualTo(10_000);
        assertThat(json.get("catchup_changes_per_s_hashmap").asDouble()).isEqualTo(4_000);
        assertThat(json.get("state_bytes_per_source_row_rocksdb").asDouble()).isEqualTo(80);
        assertThat(json.get("state_bytes_per_source_row_hashmap").asDouble()).isEqualTo(300);
        assertThat(json.get("freshness_p99_ms_at_1000_rocksdb").asDouble()).isEqualTo(800);
        assertThat(json.get("freshness_p99_ms_at_1000_hashmap").asDouble()).isEqualTo(2500);
        assertThat(json.get("restore_s").asDouble()).isEqualTo(12.0);
        assertThat(json.get("restore_steady_s").asDouble()).isEqualTo(31.0);
        assertThat(json.get("parallelism").asInt()).isEqualTo(2);
        assertThat(json.get("bootstrap_rows_per_s").asDouble()).isEqualTo(100_000);
        assertThat(json.at("/bootstrap/exact").asBoolean()).isTrue();
        assertThat(json.at("/bootstrap/state_backend").asText()).isEqualTo("rocksdb");
        assertThat(json.at("/bootstrap/rss_peak_mb").asDouble()).isEqualTo(1_800);
        assertThat(json.at("/targets_met/bootstrap_ge_3x_snapshot_rocksdb").asBoolean()).as("2.5 times 40,000").isFalse();
        assertThat(json.at("/backends/hashmap/checkpoints/duration_p50_ms").asDouble()).isEqualTo(300);
        assertThat(json.at("/backends/hashmap/checkpoint_interval_ms").asLong()).isEqualTo(5_000);
        assertThat(json.at("/source_ceiling/first_change_after_s").asDouble()).isEqualTo(0.8);

        assertThat(json.at("/targets_met/snapshot_ge_80pct_of_ceiling_rocksdb").asBoolean()).isTrue();
        assertThat(json.at("/targets_met/catchup_ge_80pct_of_ceiling_rocksdb").asBoolean()).isFalse();
        assertThat(json.at("/targets_met/p99_at_1000_ms_le_1000_rocksdb").asBoolean()).isTrue();
        assertThat(json.at("/targets_met/state_le_100_bytes_per_row_rocksdb").asBoolean()).isTrue();
        assertThat(json.at("/targets_met/state_le_100_bytes_per_row_hashmap").asBoolean()).isFalse();
        assertThat(json.at("/targets_met/restore_le_30_s").asBoolean()).isTrue();
        assertThat(json.at("/targets_met/restore_steady_le_30_s").asBoolean()).isFalse();
    }

    @Test
    void unsuffixedKeysOfEarlierRunsDescribeTheFirstBackend(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bench.json");
        sample().writeJson(file);
        JsonNode json = new ObjectMapper().readTree(Files.readString(file));
        assertThat(json.get("state_backend").asText()).isEqualTo("rocksdb");
        assertThat(json.get("snapshot_rows_per_s").asDouble()).isEqualTo(40_000);
        assertThat(json.get("max_sustained_changes_per_s").asDouble()).as("the best sustained step").isEqualTo(2002);
        assertThat(json.at("/freshness_ms/1000/p99").asDouble()).isEqualTo(800);
        assertThat(json.at("/freshness_ms/4000/p50").asDouble()).isEqualTo(5000);
        assertThat(json.get("raw_decode_changes_per_s").asDouble()).isEqualTo(120_100);
        assertThat(json.get("celery_run_s").asDouble()).as("the warm run").isEqualTo(0.25);
        assertThat(json.get("celery_queries").asInt()).isEqualTo(407);
        assertThat(json.get("rows_written_per_change").asDouble()).isEqualTo(0.5);
        assertThat(json.get("steps")).hasSize(3);
    }

    @Test
    void tableShowsBothBackendsSideBySideAndTheTargets() {
        String table = sample().table();
        assertThat(table).contains("source ceiling: snapshot", "rocksdb", "hashmap", "catch-up (changes/s)",
                "state per live source row (bytes)", "restore after SIGKILL", "Celery run: statements", "MISSED", "met",
                "lag growing");
        String snapshotLine = table.lines().filter(l -> l.startsWith("snapshot (rows/s")).findFirst().orElseThrow();
        assertThat(snapshotLine).contains("40,000  80%").contains("25,000  50%");
    }

    @Test
    void profilesWithoutCeilingOrStreamingLeaveTheirKeysOut() throws Exception {
        BackendRun scale = new BackendRun("rocksdb", 500, 10_000_000, 1000, true, -1, 900_000_000, 900_000_000, List.of(), false, 0, 0,
                1800, 700, CHECKPOINTS, 0, Double.NaN, false, 1_000, 3_000);
        BenchReport report = new BenchReport(BenchProfile.scale(), new BenchRunner.JobSettings(500L, null, List.of("rocksdb")),
                new double[] {1, 1, 1}, new double[] {2, 2, 2}, Map.of("usage", 100L), 60, 10_000_000, null, List.of(scale), null, null,
                null, null, null, 3_000, 2_048);
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(report.toJson()));
        assertThat(json.get("snapshot_rows_per_s_rocksdb").asDouble()).isEqualTo(10_000);
        assertThat(json.get("state_bytes_per_source_row_rocksdb").asDouble()).isEqualTo(90);
        assertThat(json.get("peak_rss_mb").asDouble()).isEqualTo(3_000);
        assertThat(json.has("source_ceiling_snapshot_rows_per_s")).isFalse();
        assertThat(json.has("catchup_changes_per_s_rocksdb")).isFalse();
        assertThat(json.has("celery_run_s")).isFalse();
        assertThat(report.table()).contains("10,000").doesNotContain("source ceiling");
    }

    @Test
    void theScaleBootstrapIsWithinTheJobsMemoryOnlyWhenBothHeapAndResidentSetAre() throws Exception {
        BackendRun job = new BackendRun("rocksdb", 500, 10_000_000, 1000, true, -1, 900_000_000, 900_000_000, List.of(), false, 0, 0,
                1800, 700, CHECKPOINTS, 0, Double.NaN, false, 1_000, 3_000);
        for (double[] bootstrap : new double[][] {{900, 2_900, 1}, {1_100, 2_900, 0}, {900, 3_100, 0}}) {
            BenchReport report = new BenchReport(BenchProfile.scale(), new BenchRunner.JobSettings(500L, null, List.of("rocksdb")),
                    new double[] {1, 1, 1}, new double[] {2, 2, 2}, Map.of("usage", 100L), 60, 10_000_000, null, List.of(job),
                    new BenchReport.BootstrapRun(10_000_000, 300, 2, true, "rocksdb", 1_900, bootstrap[0], bootstrap[1], true), null,
                    null, null, null, 3_000, 2_048);
            JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(report.toJson()));
            assertThat(json.get("targets_met").get("bootstrap_within_job_memory_rocksdb").asBoolean())
                    .as("bootstrap heap after GC %s MB, RSS %s MB", bootstrap[0], bootstrap[1]).isEqualTo(bootstrap[2] == 1);
            assertThat(json.get("bootstrap").get("heap_after_gc_peak_mb").asDouble()).isEqualTo(bootstrap[0]);
            assertThat(json.get("bootstrap").get("defer_indexes").asBoolean()).isTrue();
        }
    }
}
