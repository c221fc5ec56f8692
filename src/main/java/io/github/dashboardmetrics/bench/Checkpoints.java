package io.github.dashboardmetrics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A running job's checkpoint statistics, from the Flink REST API of its (local) cluster. */
final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The latest completed checkpoint: id, trigger time (epoch ms), full state size, bytes written for it, duration. */
    record Completed(long id, long triggerTimestamp, long stateSize, long checkpointedSize, long durationMs) {}

    /** Counts and end-to-end durations (ms) of the job's checkpoints so far. */
    record Summary(long completed, long failed, double p50Ms, double p99Ms, double maxMs, double avgMs) {
        static final Summary NONE = new Summary(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    private Checkpoints() {}

    private static JsonNode read(int restPort, String jobId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/jobs/" + jobId + "/checkpoints"))
                .timeout(Duration.ofSeconds(5)).build();
        return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The latest completed checkpoint, or null when there is none yet or the API does not answer. */
    static Completed latest(int restPort, String jobId) {
        try {
            JsonNode c = read(restPort, jobId).path("latest").path("completed");
            if (c.isMissingNode() || c.isNull()) {
                return null;
            }
            return new Completed(c.path("id").asLong(), c.path("trigger_timestamp").asLong(), c.path("state_size").asLong(-1),
                    c.path("checkpointed_size").asLong(-1), c.path("end_to_end_duration").asLong(-1));
        } catch (Exception e) {
            return null;
        }
    }

    static Summary summary(int restPort, String jobId) {
        try {
            JsonNode body = read(restPort, jobId);
            JsonNode d = body.path("summary").path("end_to_end_duration");
            return new Summary(body.path("counts").path("completed").asLong(), body.path("counts").path("failed").asLong(),
                    d.path("p50").asDouble(Double.NaN), d.path("p99").asDouble(Double.NaN), d.path("max").asDouble(Double.NaN),
                    d.path("avg").asDouble(Double.NaN));
        } catch (Exception e) {
            return Summary.NONE;
        }
    }

    /**
     * Waits for a checkpoint triggered at or after {@code afterEpochMs} to complete; returns it, or
     * null after {@code timeoutMs}.
     */
    static Completed awaitTriggeredAfter(int restPort, String jobId, long afterEpochMs, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Completed c = latest(restPort, jobId);
            if (c != null && c.triggerTimestamp() >= afterEpochMs) {
                return c;
            }
            Thread.sleep(100);
        }
        return null;
    }
}
