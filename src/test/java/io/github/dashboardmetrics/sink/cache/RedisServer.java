package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real {@code redis-server} (Debian's package; {@code .ci/run} installs it when missing) on a
 * free localhost port, with its files in a directory of the test. No persistence: the data dies
 * with the process. Optionally with a TLS port beside the plain one ({@link #startTls}), as a
 * replica of another server, or as a Sentinel ({@link #startSentinel}). The test talks to it over
 * the plain port with Jedis.
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 15_000;

    private final Process process;
    private final int port;
    private final String password;
    private final int tlsPort;

    private RedisServer(Process process, int port, String password, int tlsPort) {
        this.process = process;
        this.port = port;
        this.password = password;
        this.tlsPort = tlsPort;
    }

    /** A server without a password on a free port. */
    public static RedisServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, freePort(), null);
    }

    /** A server on {@code port}, requiring {@code password} when not null. */
    public static RedisServer start(Path dir, int port, String password) throws IOException, InterruptedException {
        return start(dir, port, password, List.of(), 0);
    }

    /** A server on a free port that is a replica of the server on {@code masterPort}. */
    public static RedisServer startReplica(Path dir, int masterPort) throws IOException, InterruptedException {
        return start(dir, freePort(), null, List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort)), 0);
    }

    /**
     * A server with a TLS port (its {@link #tlsPort()}) beside the plain one, using the server
     * certificate of {@code certs}; {@code authClients}: Redis's tls-auth-clients (yes: a client
     * certificate signed by the CA is required, no: not asked for).
     */
    public static RedisServer startTls(Path dir, TestCertificates certs, String authClients)
            throws IOException, InterruptedException {
        int tlsPort = freePort();
        return start(dir, freePort(), null, List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", certs.serverCert().toString(), "--tls-key-file", certs.serverKey().toString(),
                "--tls-ca-cert-file", certs.caCert().toString(), "--tls-auth-clients", authClients), tlsPort);
    }

    /**
     * A Sentinel on a free port monitoring the master {@code masterName} on {@code masterPort}
     * (quorum 1; a master unreachable for 1 s is failed over).
     */
    public static RedisServer startSentinel(Path dir, String masterName, int masterPort)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        Path conf = dir.resolve("sentinel-" + port + ".conf");
        Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndir " + dir + "\n"
                + "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1\n"
                + "sentinel down-after-milliseconds " + masterName + " 1000\n"
                + "sentinel failover-timeout " + masterName + " 10000\n"
                + "sentinel parallel-syncs " + masterName + " 1\n", StandardCharsets.US_ASCII);
        List<String> command = List.of(binary(), conf.toString(), "--sentinel",
                "--logfile", dir.resolve("sentinel-" + port + ".log").toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sentinel-" + port + ".out").toFile()).start();
        RedisServer sentinel = new RedisServer(process, port, null, 0);
        sentinel.awaitReady(dir.resolve("sentinel-" + port + ".log"));
        return sentinel;
    }

    private static RedisServer start(Path dir, int port, String password, List<String> extra, int tlsPort)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--logfile", dir.resolve("redis-" + port + ".log").toString()));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        command.addAll(extra);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".out").toFile()).start();
        RedisServer server = new RedisServer(process, port, password, tlsPort);
        server.awaitReady(dir.resolve("redis-" + port + ".log"));
        return server;
    }

    /** A port nothing listens on right now (for "Redis is down" and for starting a server later). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String binary() {
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "/usr/bin").split(":")));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        for (String dir : dirs) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("redis-server not found: install Debian's redis-server package "
                + "(apt-get install -y redis-server; .ci/run does it when missing)");
    }

    /** Polls PING until the server answers; fails with its log if it exits or does not answer in time. */
    private void awaitReady(Path log) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (true) {
            try (Jedis c = connect()) {
                if ("PONG".equals(c.ping())) {
                    return;
                }
            } catch (JedisException notYet) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("redis-server did not start on port " + port + ": "
                            + (Files.exists(log) ? Files.readString(log) : "(no log)"), notYet);
                }
            }
            Thread.sleep(20); // poll interval while the server starts
        }
    }

    /** The plain port. */
    public int port() {
        return port;
    }

    /** The TLS port (only of {@link #startTls}). */
    public int tlsPort() {
        return tlsPort;
    }

    public long pid() {
        return process.pid();
    }

    /** Where the job finds this server (plain port). */
    public RedisTarget target() {
        return new RedisTarget("127.0.0.1", port, 0, password);
    }

    /** A connection over the plain port, authenticated when the server has a password. */
    public Jedis connect() {
        Jedis c = new Jedis("127.0.0.1", port, 1_000, 5_000);
        if (password != null) {
            try {
                c.auth(password);
            } catch (JedisException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** Runs one command on a fresh connection; bulk replies as strings, integers as {@link Long}. */
    public Object command(String... args) {
        try (Jedis c = connect()) {
            ProtocolCommand command = () -> args[0].getBytes(StandardCharsets.UTF_8);
            return decode(c.sendCommand(command, Arrays.copyOfRange(args, 1, args.length)));
        }
    }

    private static Object decode(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            List<Object> decoded = new ArrayList<>();
            for (Object item : list) {
                decoded.add(decode(item));
            }
            return decoded;
        }
        return reply;
    }

    /** Sets each key (value {@code "cached"}, one hour TTL, as Unstract would). */
    public void set(Iterable<String> keys) {
        try (Jedis c = connect()) {
            for (String key : keys) {
                c.setex(key, 3600, "cached");
            }
        }
    }

    public boolean exists(String key) {
        try (Jedis c = connect()) {
            return c.exists(key);
        }
    }

    /** Stops the server (SIGKILL: as abrupt as a crash) and waits for it to exit. */
    public void stop() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the server keeps its connections open but answers nothing until {@link #resume()}. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                resume(); // a frozen process ignores nothing but SIGKILL, but be tidy
            } catch (IOException ignored) {
                // gone already
            }
        }
        stop();
    }
}
