package io.github.dashboardmetrics.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.util.DaemonThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/**
 * The demo's live report, every few seconds: changes the workload committed, changes the job
 * read (from the Flink REST API), rows in and rows written to each rollup table, and the lag from
 * a source commit to the first rollup write after it.
 *
 * <p>Lag is measured on a sample: at each report the time of the newest workload commit is taken,
 * and the next report shows how long it took until a rollup row was written at or after it.
 */
public final class DemoReporter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DatabaseTarget target;
    private final WorkloadGenerator workload;
    private final JobClient job;
    private final int webPort;
    private final ScheduledExecutorService timer = DaemonThreads.scheduled("demo-report");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile Instant lastCommit;
    private Instant sampledCommit;
    private Instant previousReport = Instant.now();

    public DemoReporter(DatabaseTarget target, WorkloadGenerator workload, JobClient job, int webPort,
            int intervalSeconds) {
        this.target = target;
        this.workload = workload;
        this.job = job;
        this.webPort = webPort;
        timer.scheduleAtFixedRate(this::reportSafely, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
    }

    /** Called by the workload loop after each committed transaction. */
    public void committed() {
        lastCommit = Instant.now();
    }

    private void reportSafely() {
        try {
            System.out.println(report());
        } catch (Exception e) {
            System.out.println("[report] unavailable: " + e.getMessage());
        }
    }

    private String report() throws Exception {
        Instant now = Instant.now();
        StringBuilder line = new StringBuilder("[report] source changes committed=")
                .append(workload.counters().rowChanges())
                .append("  read by job=").append(changesRead())
                .append("  job=").append(job.getJobStatus().get(2, TimeUnit.SECONDS));
        try (Connection c = target.connect()) {
            for (Granularity g : Granularity.values()) {
                long[] rows = rows(c, g, previousReport);
                line.append("\n         ").append(String.format("%-22s rows=%-7d written since last report=%d",
                        g.table(), rows[0], rows[1]));
            }
            line.append("\n         lag commit->row: ").append(lag(c));
        }
        previousReport = now;
        sampledCommit = lastCommit;
        return line.toString();
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static long[] rows(Connection c, Granularity g, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE modified_at >= ?) FROM \"" + g.table() + "\"")) {
            ps.setObject(1, utc(since));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** Time from the sampled commit to the first rollup write at or after it. */
    private String lag(Connection c) throws SQLException {
        if (sampledCommit == null) {
            return "(sampling)";
        }
        StringBuilder union = new StringBuilder();
        for (Granularity g : Granularity.values()) {
            if (union.length() > 0) {
                union.append(" UNION ALL ");
            }
            union.append("SELECT min(modified_at) AS m FROM \"").append(g.table()).append("\" WHERE modified_at >= ?");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT min(m) FROM (" + union + ") t")) {
            for (int i = 1; i <= Granularity.values().length; i++) {
                ps.setObject(i, utc(sampledCommit));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                OffsetDateTime written = rs.getObject(1, OffsetDateTime.class);
                return written == null
                        ? "no write yet after the sampled commit"
                        : Duration.between(sampledCommit, written.toInstant()).toMillis() + " ms";
            }
        }
    }

    /** Records the job's first vertex (the CDC source and decoder) has emitted, from the REST API. */
    private String changesRead() {
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://localhost:" + webPort + "/jobs/" + job.getJobID()))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            JsonNode body = JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
            return body.path("vertices").path(0).path("metrics").path("write-records").asText("?");
        } catch (Exception e) {
            return "?";
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
