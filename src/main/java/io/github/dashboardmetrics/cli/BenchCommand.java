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
        description = {"Benchmark the job on an embedded PostgreSQL of its own (no database needed), on one dataset:",
                "the Flink CDC source alone (the job's settings, a discarding sink) as the ceiling for snapshot and",
                "catch-up; then for each state backend the job's snapshot until exact, its checkpointed state per",
                "source row, freshness and highest sustained rate of a streamed Unstract-like workload, and the",
                "catch-up of changes piled up while it was stopped; the Celery task on the same data; PostgreSQL's",
                "own pgoutput decoding. Prints progress and a table; --out also writes JSON and a chart as SVG.",
                "Its length depends on the job's speed: --profile quick took 18 minutes on 2 cores (both backends,",
                "state layout v2); full takes longer;",
                "scale (10M rows on RocksDB: the snapshot, then a bootstrap) and restore (2M rows, run killed and restarted) are opt-in."})
public class BenchCommand implements Callable<Integer> {

    @Option(names = "--profile", defaultValue = "quick", paramLabel = "quick|full|scale|restore",
            description = "quick: 20 organisations, 3 months, 500,000 rows, rates 250..32,000 changes/s for 20 s each, 100,000"
                    + " changes piled up; full: 200 organisations, 12 months, 3,000,000 rows, rates 250..64,000 for 60 s each,"
                    + " 200,000 piled up; scale: 500 organisations, 12 months, 10,000,000 rows, the job on RocksDB until exact"
                    + " (snapshot time, peak RSS, state size; run it with -Xmx2g, the default of bin/dashboard-metrics), then"
                    + " bootstrap of the same rows in a child JVM (-Xmx2g) with its heap and RSS peaks;"
                    + " restore: 100 organisations, 2,000,000 rows, `run` in a child JVM killed with SIGKILL after a checkpoint and"
                    + " started again: seconds until it reads changes (first backend of --state-backend)."
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

    @Option(names = "--catchup-changes", paramLabel = "N",
            description = "Changes piled up while the source ceiling and the job are stopped, then drained (overrides the profile).")
    Long catchupChanges;


    @Option(names = "--checkpoint-interval-ms", paramLabel = "MS",
            description = "The job's checkpoint interval (the ceiling's too). Default: as run, 500 with rocksdb, 5000 with hashmap.")
    Long checkpointIntervalMs;

    @Option(names = "--snapshot-checkpoint-interval-ms", paramLabel = "MS",
            description = "The job's checkpoint interval while it reads the initial snapshot. Default: as run, 60000 or"
                    + " --checkpoint-interval-ms if longer.")
    Long snapshotCheckpointIntervalMs;

    @Option(names = "--state-backend", defaultValue = "rocksdb,hashmap", split = ",", paramLabel = "rocksdb,hashmap",
            description = "The job's state backends, measured one after the other on the same data, reported side by side"
                    + " (JSON keys suffixed _rocksdb / _hashmap; the unsuffixed keys are the first one's). rocksdb: incremental"
                    + " checkpoints, as run and flink-conf/config.yaml; hashmap: heap, full checkpoints. Default: ${DEFAULT-VALUE}.")
    List<String> stateBackends;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "Parallelism of the source ceiling, the job and the bootstrap, all alike (the bootstrap's target"
                    + " compares them at 2). Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--bootstrap-defer-indexes",
            description = "Run the bootstrap with --defer-indexes (the rollup tables are emptied before it and nobody reads"
                    + " them), as on a new shadow schema; without it the indexes are kept up to date row by row, as on tables"
                    + " that hold rows.")
    boolean bootstrapDefersIndexes;

    @Option(names = "--jfr", paramLabel = "DIR",
            description = "Also record each backend's snapshot and catch-up with the JDK Flight Recorder (the job runs in this JVM):"
                    + " DIR/<backend>-snapshot.jfr, DIR/<backend>-catchup.jfr.")
    Path jfrDir;

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
        if (catchupChanges != null) {
            p = p.withCatchupChanges(catchupChanges);
        }
        jobSettings();
        return p;
    }

    BenchRunner.JobSettings jobSettings() {
        return new BenchRunner.JobSettings(checkpointIntervalMs, snapshotCheckpointIntervalMs, stateBackends, parallelism,
                bootstrapDefersIndexes);
    }

    @Override
    public Integer call() throws Exception {
        BenchProfile p = effectiveProfile();
        System.out.println("Benchmark profile " + p.name() + ": " + p.organizations() + " organisations, " + p.historyMonths()
                + " months, ~" + p.rows() + " rows, rates " + Arrays.toString(p.rates().toArray()) + " changes/s, "
                + p.stepSeconds() + " s each; " + p.catchupChanges() + " changes piled up; state backends " + jobSettings().stateBackends());
        BenchReport report = new BenchRunner(p, seed, jobSettings(), System.out::println, jfrDir).run();
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
