package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package; {@code .ci/run} installs it when missing) on a
 * free localhost port, with its files in a directory of the test. No persistence: the data dies
 * with the process.
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 15_000;

    private final Process process;
    private final int port;
    private final String password;

    private RedisServer(Process process, int port, String password) {
        this.process = process;
        this.port = port;
        this.password = password;
    }

    /** A server without a password on a free port. */
    public static RedisServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, freePort(), null);
    }

    /** A server on {@code port}, requiring {@code password} when not null. */
    public static RedisServer start(Path dir, int port, String password) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--logfile", dir.resolve("redis-" + port + ".log").toString()));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".out").toFile()).start();
        RedisServer server = new RedisServer(process, port, password);
        server.awaitReady(dir);
        return server;
    }

    /** A port nothing listens on right now (for "Redis is down" and for starting a server later). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("redis-server not found: install Debian's redis-server package "
                + "(apt-get install -y redis-server; .ci/run does it when missing)");
    }

    /** Polls PING until the server answers; fails with its log if it exits or does not answer in time. */
    private void awaitReady(Path dir) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (true) {
            try (RespConnection c = connect()) {
                if ("PONG".equals(c.command("PING"))) {
                    return;
                }
            } catch (IOException notYet) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    Path log = dir.resolve("redis-" + port + ".log");
                    throw new IOException("redis-server did not start on port " + port + ": "
                            + (Files.exists(log) ? Files.readString(log) : "(no log)"), notYet);
                }
            }
            Thread.sleep(20); // poll interval while the server starts
        }
    }

    public int port() {
        return port;
    }

    /** Where the job finds this server. */
    public RedisTarget target() {
        return new RedisTarget("127.0.0.1", port, 0, password);
    }

    /** A connection, authenticated when the server has a password. */
    public RespConnection connect() throws IOException {
        RespConnection c = RespConnection.open("127.0.0.1", port, 1_000, 5_000);
        if (password != null) {
            try {
                c.command("AUTH", password);
            } catch (IOException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** Runs one command on a fresh connection. */
    public Object command(String... args) throws IOException {
        try (RespConnection c = connect()) {
            return c.command(args);
        }
    }

    /** Sets each key (value {@code "cached"}, one hour TTL, as Unstract would). */
    public void set(Iterable<String> keys) throws IOException {
        try (RespConnection c = connect()) {
            for (String key : keys) {
                c.command("SET", key, "cached", "EX", "3600");
            }
        }
    }

    public boolean exists(String key) throws IOException {
        return ((Long) command("EXISTS", key)) == 1L;
    }

    /** Stops the server (SIGKILL: as abrupt as a crash) and waits for it to exit. */
    public void stop() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
