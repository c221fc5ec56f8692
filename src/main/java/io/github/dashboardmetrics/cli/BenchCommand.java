package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.bench.BenchChart;
import io.github.dashboardmetrics.bench.BenchProfile;
import io.github.dashboardmetrics.bench.BenchReport;
import io.github.dashboardmetrics.bench.BenchRunner;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the benchmark. Starts its own embedded PostgreSQL, so it needs no database and
 * touches none; never part of the test suite.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the job on an embedded PostgreSQL of its own (no database needed):",
                "snapshot backfill rate, freshness and highest sustained rate of a streamed",
                "Unstract-like workload, the cost of one run of Unstract's Celery task on the",
                "same data, and how fast PostgreSQL itself decodes the same changes (pgoutput).",
                "Prints progress and a table; --out also writes the results as JSON and a chart as SVG.",
                "--profile quick takes about 5 minutes on 2 cores, full 30-60 minutes."})
public class BenchCommand implements Callable<Integer> {

    @Option(names = "--profile", defaultValue = "quick", paramLabel = "quick|full",
            description = "quick: 20 organisations, 3 months, 500,000 rows, rates 250..32,000 changes/s for 20 s each;"
                    + " full: 200 organisations, 12 months, 3,000,000 rows, rates 250..64,000 for 60 s each."
                    + " Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "Also write the results to this JSON file, and a chart of them (freshness against change rate,"
                    + " throughput against its ceiling) to FILE.svg beside it.")
    Path out;

    @Option(names = "--organizations", paramLabel = "N", description = "Organisations in the dataset (overrides the profile).")
    Integer organizations;

    @Option(names = "--history-months", paramLabel = "N", description = "Months of history in the dataset (overrides the profile).")
    Integer historyMonths;

    @Option(names = "--rows", paramLabel = "N", description = "Source rows in the dataset, approximately (overrides the profile).")
    Long rows;

    @Option(names = "--rates", paramLabel = "R1,R2,...", split = ",",
            description = "Streaming rates to try in changes/s, increasing (overrides the profile).")
    List<Integer> rates;

    @Option(names = "--step-seconds", paramLabel = "S", description = "Seconds each rate is held (overrides the profile).")
    Integer stepSeconds;

    @Option(names = "--flush-interval-ms", defaultValue = "500", paramLabel = "MS",
            description = "The job's flush interval, as run --flush-interval-ms. Default: ${DEFAULT-VALUE}.")
    long flushIntervalMs;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "30000", paramLabel = "MS",
            description = "The job's checkpoint interval (flink-conf/config.yaml's). Default: ${DEFAULT-VALUE}.")
    long checkpointIntervalMs;

    @Option(names = "--state-backend", defaultValue = "hashmap", paramLabel = "hashmap|rocksdb",
            description = "The job's state backend: hashmap (heap, as local runs) or rocksdb (incremental, as flink-conf/config.yaml). Default: ${DEFAULT-VALUE}.")
    String stateBackend;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed of the dataset and workload. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The profile with the options that override it applied; validates them. */
    BenchProfile effectiveProfile() {
        BenchProfile p = BenchProfile.named(profile);
        if (organizations != null) {
            p = p.withOrganizations(organizations);
        }
        if (historyMonths != null) {
            p = p.withHistoryMonths(historyMonths);
        }
        if (rows != null) {
            p = p.withRows(rows);
        }
        if (rates != null) {
            p = p.withRates(rates);
        }
        if (stepSeconds != null) {
            p = p.withStepSeconds(stepSeconds);
        }
        jobSettings();
        return p;
    }

    BenchRunner.JobSettings jobSettings() {
        return new BenchRunner.JobSettings(flushIntervalMs, checkpointIntervalMs, stateBackend);
    }

    @Override
    public Integer call() throws Exception {
        BenchProfile p = effectiveProfile();
        System.out.println("Benchmark profile " + p.name() + ": " + p.organizations() + " organisations, " + p.historyMonths()
                + " months, ~" + p.rows() + " rows, rates " + Arrays.toString(p.rates().toArray()) + " changes/s, "
                + p.stepSeconds() + " s each");
        BenchReport report = new BenchRunner(p, seed, jobSettings(), System.out::println).run();
        System.out.print(report.table());
        if (out != null) {
            report.writeJson(out);
            System.out.println("JSON: " + out.toAbsolutePath());
            Path chart = BenchChart.svgNextTo(out);
            BenchChart.writeFromJson(out, chart);
            System.out.println("Chart: " + chart.toAbsolutePath());
        }
        return 0;
    }
}
