package io.github.dashboardmetrics.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster, one JobManager and one TaskManager process, started
 * from the Flink jars Maven copied to {@code target/flink-lib} (what a Flink distribution's lib/
 * holds; the job's own classes and connectors are NOT on it: they must come from the job jar). It
 * is configured from the project's {@code flink-conf/config.yaml} with ports, directories and
 * memory overridden for a test machine, and gets a {@code FLINK_HOME/bin/flink} that runs Flink's
 * own CLI, so the deploy/standalone scripts can be used against it as written.
 */
final class StandaloneFlinkCluster implements AutoCloseable {
    /** Jars from target/lib that a Flink distribution also has (Flink's own dependencies). */
    private static final Pattern FLINK_RUNTIME_DEPENDENCIES = Pattern.compile(
            "(slf4j-api|commons-lang3|commons-io|commons-compress|flink-shaded-guava|jsr305|snappy-java|javassist|xz)-.*\\.jar");
    private static final List<String> JAVA_17_OPENS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED");
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final int restPort;
    private final String classpath;
    private final List<Process> processes = new ArrayList<>();
    private Process taskManager;
    private final HttpClient http = HttpClient.newHttpClient();

    /** The JobManager's command and environment, to start it again after {@link #killJobManager()}. */
    private List<String> jobManagerCommand;
    private Map<String, String> jobManagerEnvironment = Map.of();
    private Process jobManager;
    private int jobManagerStarts;

    private StandaloneFlinkCluster(Path home, int restPort, String classpath) {
        this.home = home;
        this.restPort = restPort;
        this.classpath = classpath;
    }

    static StandaloneFlinkCluster start(Path home) throws Exception {
        StandaloneFlinkCluster cluster = prepare(home, Map.of());
        cluster.jobManagerCommand = cluster.java(List.of("-Xmx768m"));
        cluster.jobManagerCommand.addAll(List.of("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir", home.resolve("conf").toString()));
        cluster.startJobManager();
        cluster.startTaskManager();
        Await.until("a TaskManager registered at the JobManager", Duration.ofSeconds(90),
                cluster::registeredTaskManagers, n -> n >= 1);
        return cluster;
    }

    /**
     * An application cluster: the JobManager runs {@code mainClass} of {@code jobJar} with
     * {@code args} itself (application mode: {@code main()} inside the JobManager, again on every
     * start), with {@code environment} (e.g. a password) and {@code extraConfiguration} (e.g. HA).
     * Returns once a TaskManager is registered; the job may still be starting.
     */
    static StandaloneFlinkCluster startApplication(Path home, Map<String, String> extraConfiguration, Path jobJar,
            String mainClass, List<String> args, Map<String, String> environment) throws Exception {
        StandaloneFlinkCluster cluster = prepare(home, extraConfiguration);
        // Only the entry point's class beside Flink's jars: the job's classes come from the job jar.
        String entryPoint = ApplicationClusterMain.class.getName().replace('.', '/') + ".class";
        Path entryPointDir = home.resolve("entrypoint");
        Files.createDirectories(entryPointDir.resolve(entryPoint).getParent());
        Files.copy(Path.of("target/test-classes").resolve(entryPoint), entryPointDir.resolve(entryPoint));
        List<String> command = cluster.java(List.of("-Xmx768m"));
        int cp = command.indexOf("-cp");
        command.set(cp + 1, command.get(cp + 1) + File.pathSeparator + entryPointDir);
        command.add(ApplicationClusterMain.class.getName());
        command.addAll(List.of(home.resolve("conf").toString(), jobJar.toAbsolutePath().toString(), mainClass));
        command.addAll(args);
        cluster.jobManagerCommand = command;
        cluster.jobManagerEnvironment = Map.copyOf(environment);
        cluster.startJobManager();
        cluster.startTaskManager();
        Await.until("a TaskManager registered at the JobManager (through ZooKeeper)", Duration.ofSeconds(180),
                cluster::registeredTaskManagers, n -> n >= 1);
        return cluster;
    }

    private static StandaloneFlinkCluster prepare(Path home, Map<String, String> extraConfiguration) throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        String classpath = clusterClasspath(target);
        int restPort = freePort();
        Path conf = Files.createDirectories(home.resolve("conf"));
        StringBuilder yaml = new StringBuilder();
        for (String line : configuration(home, restPort).split("\n")) {
            String key = line.contains(":") && !line.startsWith("#") ? line.substring(0, line.indexOf(':')).trim() : null;
            if (key == null || !extraConfiguration.containsKey(key)) {
                yaml.append(line).append('\n'); // the extra configuration replaces what it names
            }
        }
        extraConfiguration.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(conf.resolve("config.yaml"), yaml);
        Files.copy(Path.of("src/test/resources/log4j2-test.properties"), conf.resolve("log4j2.properties"));
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(home, restPort, classpath);
        cluster.writeFlinkCli();
        return cluster;
    }

    /** The cluster's class path (Flink's jars), e.g. to run ZooKeeper from flink-shaded-zookeeper. */
    static String classpath() throws IOException {
        return clusterClasspath(Path.of("target").toAbsolutePath());
    }

    private static String clusterClasspath(Path target) throws IOException {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> flinkLib = Files.list(target.resolve("flink-lib"))) {
            flinkLib.map(Path::toString).sorted().forEach(jars::add);
        }
        try (Stream<Path> lib = Files.list(target.resolve("lib"))) {
            lib.filter(p -> FLINK_RUNTIME_DEPENDENCIES.matcher(p.getFileName().toString()).matches())
                    .map(Path::toString).sorted().forEach(jars::add);
        }
        return String.join(File.pathSeparator, jars);
    }

    /** The project's flink-conf/config.yaml with what a single test machine needs instead. */
    private static String configuration(Path home, int restPort) throws IOException {
        Map<String, String> overrides = Map.of(
                "execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString(),
                "execution.checkpointing.savepoint-dir", home.resolve("savepoints").toUri().toString(),
                "execution.checkpointing.interval", "2 s",
                "execution.checkpointing.min-pause", "500 ms",
                "jobmanager.memory.process.size", "1024m",
                "taskmanager.memory.process.size", "1536m");
        StringBuilder yaml = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("flink-conf/config.yaml"))) {
            String key = line.contains(":") && !line.startsWith("#") ? line.substring(0, line.indexOf(':')).trim() : null;
            if (key != null && (overrides.containsKey(key) || key.startsWith("metrics.reporter."))) {
                continue; // replaced below; the Prometheus reporter is not in flink-lib
            }
            yaml.append(line).append('\n');
        }
        overrides.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        yaml.append("jobmanager.rpc.address: localhost\n")
                .append("jobmanager.rpc.port: ").append(freePort()).append('\n')
                .append("jobmanager.bind-host: localhost\n")
                .append("taskmanager.bind-host: localhost\n")
                .append("taskmanager.host: localhost\n")
                .append("rest.address: localhost\n")
                .append("rest.bind-address: localhost\n")
                .append("rest.port: ").append(restPort).append('\n')
                .append("io.tmp.dirs: ").append(Files.createDirectories(home.resolve("tmp"))).append('\n');
        return yaml.toString();
    }

    /** FLINK_HOME/bin/flink: Flink's CLI on the cluster's class path, like the distribution's script. */
    private void writeFlinkCli() throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path flink = bin.resolve("flink");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(flink, "#!/usr/bin/env bash\n"
                + "export FLINK_CONF_DIR='" + home.resolve("conf") + "'\n"
                + "exec '" + java + "' -Xmx512m " + String.join(" ", JAVA_17_OPENS)
                + " -Dlog4j2.configurationFile='" + home.resolve("conf/log4j2.properties") + "'"
                + " -cp '" + classpath + "' org.apache.flink.client.cli.CliFrontend \"$@\"\n");
        flink.toFile().setExecutable(true);
    }

    /** Starts the JobManager (again: after {@link #killJobManager()}, logging to jobmanager-N.log). */
    void startJobManager() throws IOException {
        Path log = home.resolve(jobManagerStarts == 0 ? "jobmanager.log" : "jobmanager-" + jobManagerStarts + ".log");
        jobManagerStarts++;
        ProcessBuilder builder = new ProcessBuilder(jobManagerCommand).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(jobManagerEnvironment);
        jobManager = builder.start();
        processes.add(jobManager);
    }

    /** The log of the latest JobManager start. */
    Path jobManagerLog() {
        return home.resolve(jobManagerStarts <= 1 ? "jobmanager.log" : "jobmanager-" + (jobManagerStarts - 1) + ".log");
    }

    /** SIGKILL of the JobManager process: what a crashed machine or container does. */
    void killJobManager() throws InterruptedException {
        jobManager.destroyForcibly();
        jobManager.waitFor();
    }

    boolean jobManagerAlive() {
        return jobManager.isAlive();
    }

    /** Starts a TaskManager with the memory settings Flink's start scripts would compute. */
    void startTaskManager() throws Exception {
        List<String> utils = java(List.of("-Xmx256m"));
        utils.addAll(List.of("org.apache.flink.runtime.util.bash.BashJavaUtils", "GET_TM_RESOURCE_PARAMS",
                "--configDir", home.resolve("conf").toString()));
        Process p = new ProcessBuilder(utils).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("BashJavaUtils failed: " + output);
        }
        List<String> results = output.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim()).collect(Collectors.toList());
        if (results.size() < 2) {
            throw new IllegalStateException("unexpected BashJavaUtils output: " + output);
        }
        List<String> command = java(List.of(results.get(0).split("\\s+")));
        command.addAll(List.of("org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                "--configDir", home.resolve("conf").toString()));
        command.addAll(List.of(results.get(1).split("\\s+")));
        taskManager = launch(command, home.resolve("taskmanager-" + processes.size() + ".log"));
        processes.add(taskManager);
    }

    /** SIGKILL of the (last started) TaskManager process: what a crashed machine or container does. */
    void killTaskManager() throws InterruptedException {
        taskManager.destroyForcibly();
        taskManager.waitFor();
    }

    private List<String> java(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(JAVA_17_OPENS);
        command.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
        command.add("-cp");
        command.add(classpath);
        return command;
    }

    private static Process launch(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private int registeredTaskManagers() {
        try {
            return get("/taskmanagers").path("taskmanagers").size();
        } catch (Exception e) {
            return 0; // REST endpoint not up yet
        }
    }

    JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                .timeout(Duration.ofSeconds(5)).build();
        return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Cancels a job through the REST API (PATCH /jobs/ID). */
    void cancel(String jobId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        http.send(request, HttpResponse.BodyHandlers.ofString());
        Await.until("job " + jobId + " cancelled", Duration.ofSeconds(60), () -> jobState(jobId), "CANCELED"::equals);
    }

    String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Runs a deploy/standalone script against this cluster; returns its output, failing on a non-zero exit. */
    String script(String name, Map<String, String> env, List<String> args) throws Exception {
        Exit exit = scriptExit(name, env, args);
        if (exit.code() != 0) {
            throw new AssertionError(name + " exited with " + exit.code() + ":\n" + exit.output());
        }
        return exit.output();
    }

    /** A script's exit code and output (standard output and error). */
    record Exit(int code, String output) {}

    /** Runs one of deploy/standalone's scripts against this cluster, whatever its exit code. */
    Exit scriptExit(String name, Map<String, String> env, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of("deploy/standalone", name).toAbsolutePath().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("FLINK_HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Exit(p.waitFor(), output);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
