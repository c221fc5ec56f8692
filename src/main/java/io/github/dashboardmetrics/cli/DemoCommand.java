package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.DemoReporter;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.MetricsJob;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: everything on one machine with nothing installed. An embedded PostgreSQL with
 * Unstract's schema, an Unstract-like workload writing into it, and the job on a local Flink
 * cluster with its web UI, with a short live report. Ctrl-C stops it all.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the job on an embedded PostgreSQL with an Unstract-like demo workload.",
                "Prints the database URL first; the Flink web UI is on http://localhost:<web-port>. Ctrl-C stops."})
public class DemoCommand implements Callable<Integer> {
    private static final String SCHEMA = "unstract";

    @Option(names = "--db-port", defaultValue = "0", paramLabel = "PORT",
            description = "Port of the embedded PostgreSQL (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int dbPort;

    @Option(names = "--web-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Port of the Flink web UI (0: a free port, printed). Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--organizations", defaultValue = "20", paramLabel = "N",
            description = "Organisations in the workload. Default: ${DEFAULT-VALUE}.")
    int organizations;

    @Option(names = "--history-changes", defaultValue = "5000", paramLabel = "N",
            description = "Changes written before the job starts (read by its snapshot). Default: ${DEFAULT-VALUE}.")
    long historyChanges;

    @Option(names = "--rate", defaultValue = "20", paramLabel = "STEPS_PER_S",
            description = "Workload transactions per second while the job runs. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--seed", paramLabel = "N", description = "Workload seed (default: random, printed).")
    Long seed;

    @Option(names = "--report-interval-s", defaultValue = "5", paramLabel = "S",
            description = "Seconds between live reports. Default: ${DEFAULT-VALUE}.")
    int reportIntervalS;

    @Mixin
    OperationsOptions operations;

    @Override
    public Integer call() throws Exception {
        if (rate <= 0 || reportIntervalS <= 0 || historyChanges < 0) {
            throw new IllegalArgumentException("--rate and --report-interval-s must be > 0, --history-changes >= 0");
        }
        long workloadSeed = seed != null ? seed : System.nanoTime();
        if (webPort == 0) {
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                webPort = socket.getLocalPort(); // printed below, and the reporter reads the job's metrics there
            }
        }
        LocalResources.requireFreePort(webPort, "--web-port");
        LocalResources.requireFreePort(dbPort, "--db-port");
        if (operations.prometheusPort != null) {
            LocalResources.requireFreePort(operations.prometheusPort, "--prometheus-port");
        }
        Path stateDir = Files.createTempDirectory("dashboard-metrics-demo-");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(EmbeddedDatabase.Options.defaults().withPort(dbPort))) {
            db.createUnstractSchema(SCHEMA, true);
            DatabaseTarget target = db.target(SCHEMA);
            System.out.println("Embedded PostgreSQL: " + db.jdbcUrl() + "  user=" + db.user() + "  schema=" + SCHEMA);
            System.out.println("  psql: psql -h localhost -p " + db.port() + " -U " + db.user()
                    + " -c 'SELECT * FROM " + SCHEMA + ".event_metrics_hourly ORDER BY modified_at DESC LIMIT 20'");
            System.out.println("Flink web UI: http://localhost:" + webPort + "   (Ctrl-C stops everything)");
            System.out.println("Workload seed: " + workloadSeed);

            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(organizations).withHitlQueue(true);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, workloadSeed, options)) {
                workload.setUp();
                System.out.println("Writing " + historyChanges + " changes of history for the snapshot...");
                workload.run(historyChanges);

                JobConfig config = new JobConfig(target, target, "dashboard_metrics_demo", "dashboard_metrics_demo",
                        Startup.INITIAL, stateDir, null, 1_000, RetentionPolicy.DEFAULT, 3_600_000L, 1, webPort);
                Configuration conf = MetricsJob.flinkConfiguration(config);
                if (operations.configurePrometheus(conf)) {
                    System.out.println("Prometheus metrics: http://localhost:" + operations.prometheusPort + "/metrics");
                }
                StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
                MetricsJob.build(env, config, operations.cacheInvalidation());
                JobClient job = env.executeAsync(MetricsJob.JOB_NAME);
                System.out.println("Job started: " + job.getJobID());

                runUntilInterrupted(workload, target, job);
            }
        }
        return 0;
    }

    /** Drives the workload at the configured rate and reports, until Ctrl-C; then stops the job. */
    private void runUntilInterrupted(WorkloadGenerator workload, DatabaseTarget target, JobClient job)
            throws Exception {
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            main.interrupt();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (DemoReporter reporter = new DemoReporter(target, workload, job, webPort, reportIntervalS)) {
            long periodNanos = (long) (1e9 / rate);
            long next = System.nanoTime();
            while (!stopping.get()) {
                workload.step();
                reporter.committed();
                next += periodNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the workload rate
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
        } finally {
            System.out.println("Stopping: cancelling the job, then the database.");
            try {
                job.cancel().get();
            } catch (Exception e) {
                System.err.println("cancelling the job: " + e.getMessage());
            }
            stopped.countDown();
        }
    }
}
