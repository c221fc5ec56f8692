package io.github.dashboardmetrics.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.github.dashboardmetrics.cli.DatabaseOptions;
import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code run} as a user runs it: a child JVM ({@code java -cp <test class path> Main run ...}),
 * its output in a log file, stopped with SIGKILL. Every start of one {@link Command} is the very
 * same command line, so a restart after a kill is exactly what an operator (or systemd) does.
 */
final class JobProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A command line of {@code bin/dashboard-metrics}; for {@code run}, with the Flink web UI / REST API on a fixed free port. */
    record Command(String subcommand, List<String> args, int webPort) {
        /** {@code run ARGS --web-port <free port>}; the password comes from the environment. */
        static Command run(List<String> args) throws IOException {
            int port = freePort();
            List<String> all = new ArrayList<>(args);
            all.addAll(List.of("--web-port", Integer.toString(port)));
            return new Command("run", List.copyOf(all), port);
        }

        /** Another command ({@code bootstrap}...), without a REST API. */
        static Command of(String subcommand, List<String> args) {
            return new Command(subcommand, List.copyOf(args), 0);
        }

        List<String> commandLine() {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> line = new ArrayList<>(List.of(java, "-Xmx1g"));
            line.addAll(javaOpens());
            line.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), subcommand));
            line.addAll(args);
            return line;
        }
    }

    /**
     * The {@code --add-opens} and {@code --add-exports} bin/dashboard-metrics gives the JVM (Flink
     * on Java 17 needs them; the State Processor API's Kryo serializers, for one), read from the
     * script itself so that the tests run the command as users do.
     */
    static List<String> javaOpens() {
        try {
            List<String> opens = new ArrayList<>();
            for (String word : Files.readString(Path.of("bin", "dashboard-metrics")).split("\\s+")) {
                if (word.startsWith("--add-opens=") || word.startsWith("--add-exports=")) {
                    opens.add(word);
                }
            }
            if (opens.isEmpty()) {
                throw new AssertionError("bin/dashboard-metrics names no --add-opens");
            }
            return opens;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private final Process process;
    private final Path log;
    private final Command command;

    private JobProcess(Process process, Path log, Command command) {
        this.process = process;
        this.log = log;
        this.command = command;
    }

    /** Starts the command; stdout and stderr go to {@code log}. */
    static JobProcess start(Command command, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command.commandLine()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put(DatabaseOptions.PASSWORD_ENV, EmbeddedDatabase.PASSWORD);
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dlog4j2.configurationFile="
                + new File("src/test/resources/log4j2-test.properties").getAbsolutePath());
        return new JobProcess(pb.start(), log, command);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit; its exit code. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Waits until the log holds {@code text}; fails early if the process exits first. */
    void awaitLog(String text, Duration timeout) throws Exception {
        Await.until("'" + text + "' in " + log.getFileName(), timeout, () -> {
            String content = log();
            if (!content.contains(text) && !process.isAlive()) {
                throw new AssertionError("the job exited with " + process.exitValue() + " before logging '" + text
                        + "':\n" + content);
            }
            return content;
        }, content -> content.contains(text));
    }

    /** SIGTERM, as {@code kill} or a pod's stop sends it: the JVM's shutdown hooks run. Returns the exit code. */
    int stop(Duration timeout) throws Exception {
        process.destroy();
        return awaitExit(timeout);
    }

    /** SIGKILL: no savepoint, no flush, no goodbye. Returns once the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** GET on the job's Flink REST API (the web UI port). */
    JsonNode rest(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(restUri(path)).timeout(Duration.ofSeconds(5)).build();
        return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private URI restUri(String path) {
        return URI.create("http://localhost:" + command.webPort() + path);
    }

    /** The id of the (one) job of this process, once its REST API answers; null before. */
    String jobId() {
        try {
            JsonNode jobs = rest("/jobs/overview").path("jobs");
            return jobs.size() == 1 ? jobs.get(0).path("jid").asText() : null;
        } catch (Exception notUpYet) {
            return null;
        }
    }

    /** The job's state (RUNNING, RESTARTING...), or "" while the REST API does not answer. */
    String jobState() {
        try {
            String id = jobId();
            return id == null ? "" : rest("/jobs/" + id).path("state").asText();
        } catch (Exception notUpYet) {
            return "";
        }
    }

    /**
     * Stop with a savepoint through the REST API (what {@code flink stop} does): the savepoint is
     * taken, committed (the rollup committer commits at its completion) and the job finishes, so
     * the process exits. Returns the savepoint's path.
     */
    String stopWithSavepoint(Path directory, Duration timeout) throws Exception {
        String id = jobId();
        if (id == null) {
            throw new AssertionError("no job to stop:\n" + log());
        }
        String body = JSON.writeValueAsString(java.util.Map.of("targetDirectory", directory.toUri().toString(),
                "drain", false));
        HttpRequest stop = HttpRequest.newBuilder(restUri("/jobs/" + id + "/stop"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        JsonNode trigger = JSON.readTree(HTTP.send(stop, HttpResponse.BodyHandlers.ofString()).body());
        String requestId = trigger.path("request-id").asText();
        if (requestId.isEmpty()) {
            throw new AssertionError("stop-with-savepoint refused: " + trigger);
        }
        JsonNode done = Await.until("the savepoint of job " + id, timeout,
                () -> savepointStatus(id, requestId),
                status -> status.isMissingNode() || "COMPLETED".equals(status.path("status").path("id").asText()));
        if (done.isMissingNode()) {
            // The job finished and the process exited between two polls: its savepoint is on disk.
            if (process.exitValue() != 0) {
                throw new AssertionError("stop-with-savepoint: the job exited with " + process.exitValue() + ":\n" + log());
            }
            return onlySavepointIn(directory);
        }
        JsonNode operation = done.path("operation");
        if (operation.has("failure-cause")) {
            throw new AssertionError("stop-with-savepoint failed: " + operation.path("failure-cause"));
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the job was stopped with a savepoint but the process did not exit:\n" + log());
        }
        return operation.path("location").asText();
    }

    /** The savepoint operation's status; a missing node once the process has exited (its REST API with it). */
    private JsonNode savepointStatus(String id, String requestId) throws Exception {
        try {
            return rest("/jobs/" + id + "/savepoints/" + requestId);
        } catch (IOException e) {
            if (process.waitFor(10, TimeUnit.SECONDS)) {
                return MissingNode.getInstance();
            }
            throw e;
        }
    }

    /** The one savepoint (a directory with {@code _metadata}) in {@code directory}. */
    private static String onlySavepointIn(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> savepoints = entries.filter(d -> Files.exists(d.resolve("_metadata"))).toList();
            if (savepoints.size() != 1) {
                throw new AssertionError("expected one savepoint in " + directory + ", found " + savepoints);
            }
            return savepoints.get(0).toUri().toString();
        }
    }

    /** Flink's exception history of the job: the root causes of its failures (restarts), newest first. */
    List<String> failures() throws Exception {
        String id = jobId();
        List<String> causes = new ArrayList<>();
        if (id != null) {
            for (JsonNode entry : rest("/jobs/" + id + "/exceptions").path("exceptionHistory").path("entries")) {
                causes.add(entry.path("exceptionName").asText() + ": " + entry.path("stacktrace").asText());
            }
        }
        return causes;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
        process.waitFor(30, TimeUnit.SECONDS);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
