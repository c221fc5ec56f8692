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
    static BenchReport sample() {
        List<StepResult> steps = List.of(
                new StepResult(1000, 1001, 10_010, 100, 400, 700, 800, 1.0, 100, 200, 0.5, true, "sustained"),
                new StepResult(2000, 2002, 20_020, 100, 500, 900, 1200, 2.0, 100, 300, 0.7, true, "sustained"),
                new StepResult(4000, 3000, 30_000, 100, 5000, 9000, 9900, 300, 100, 9000, 9, false, "not sustained: lag growing"));
        return new BenchReport(BenchProfile.quick(), new double[] {1, 1, 1}, new double[] {2, 2, 2},
                Map.of("usage", 100L), 1.5, 100_000, 2.0, true, 7_000, steps, true, 60_050, 30_025, 400, 100, 5_000_000,
                new CeleryReplay.Run(20, 407, 366, 900, 0.5), new CeleryReplay.Run(20, 407, 366, 900, 0.25),
                new RawDecodeReader.Result(60_050, 0.5));
    }

    @Test
    void jsonHasTheKeysIssue6AsksFor(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/bench.json");
        sample().writeJson(file);
        JsonNode json = new ObjectMapper().readTree(Files.readString(file));
        assertThat(json.fieldNames()).toIterable().contains("snapshot_rows_per_s", "max_sustained_changes_per_s",
                "freshness_ms", "raw_decode_changes_per_s", "celery_run_s", "celery_queries", "rows_written_per_change",
                "load_average");
        assertThat(json.get("snapshot_rows_per_s").asDouble()).isEqualTo(50_000);
        assertThat(json.get("max_sustained_changes_per_s").asDouble()).as("the best sustained step").isEqualTo(2002);
        assertThat(json.at("/freshness_ms/1000/p99").asDouble()).isEqualTo(800);
        assertThat(json.at("/freshness_ms/4000/p50").asDouble()).isEqualTo(5000);
        assertThat(json.get("raw_decode_changes_per_s").asDouble()).isEqualTo(120_100);
        assertThat(json.get("celery_run_s").asDouble()).as("the warm run").isEqualTo(0.25);
        assertThat(json.get("celery_queries").asInt()).isEqualTo(407);
        assertThat(json.get("rows_written_per_change").asDouble()).isEqualTo(0.5);
        assertThat(json.at("/targets_met/p99_at_1000_ms_le_1000").asBoolean()).isTrue();
        assertThat(json.at("/targets_met/sustained_ge_half_raw_decode").asBoolean()).isFalse();
        assertThat(json.at("/targets_met/snapshot_ge_50000_rows_per_s").asBoolean()).isTrue();
    }

    @Test
    void tableNamesTheTargets() {
        String table = sample().table();
        assertThat(table).contains("snapshot backfill", "max sustained", "raw pgoutput decode", "Celery run: statements",
                "target MISSED", "target met", "lag growing");
    }
}
