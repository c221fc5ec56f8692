package io.github.dashboardmetrics.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where Unstract's Redis is and how to log in: from a {@code redis://HOST[:PORT][/DB]} or
 * {@code rediss://} (TLS) URL, an optional ACL user name (Unstract's {@code REDIS_USER}), the
 * password, optional PEM material for TLS, and optionally the name of a Sentinel-monitored
 * master (Unstract's {@code REDIS_SENTINEL_MODE}): then the URL's hosts are the Sentinels
 * ({@code redis://S1:26379,S2:26379/DB}) and the master is asked from them.
 *
 * <p>As with the databases, passwords never come from the command line (they would show in
 * {@code ps}): the caller reads them from the environment, and a URL that carries credentials is
 * refused rather than silently used. {@link #toString()} redacts them and the client key.
 */
public final class RedisTarget implements Serializable {
    private static final long serialVersionUID = 2L;
    public static final int DEFAULT_PORT = 6379;
    public static final int DEFAULT_SENTINEL_PORT = 26379;

    /** One host and port. */
    public record Address(String host, int port) implements Serializable {
        public Address {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("Redis port must be 1-65535, got " + port);
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * PEM text (not file names: read where the job is started, so the TaskManagers need no copy
     * of the files): the CA certificate(s) to trust (null: the JVM's default trust store), and
     * optionally a client certificate chain with its unencrypted PKCS#8 private key.
     */
    public record Tls(String caPem, String certPem, String keyPem) implements Serializable {
        public Tls {
            if ((certPem == null) != (keyPem == null)) {
                throw new IllegalArgumentException(
                        "--redis-tls-cert-file and --redis-tls-key-file go together: give both or neither");
            }
        }

        @Override
        public String toString() {
            return "Tls{ca=" + (caPem == null ? "<JVM default>" : "<pem>") + ", clientCert="
                    + (certPem == null ? "<none>" : "<pem>, key=<redacted>") + "}";
        }
    }

    private final List<Address> addresses;
    private final boolean ssl;
    private final int database;
    private final String user;
    private final String password;
    private final Tls tls;
    private final String sentinelMaster;
    private final String sentinelPassword;

    private RedisTarget(List<Address> addresses, boolean ssl, int database, String user, String password, Tls tls,
            String sentinelMaster, String sentinelPassword) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("--redis-url names no host");
        }
        if (database < 0) {
            throw new IllegalArgumentException("Redis database number must be >= 0, got " + database);
        }
        if (tls != null && !ssl) {
            throw new IllegalArgumentException("--redis-tls-* options need a rediss:// URL (TLS), got redis://");
        }
        if (sentinelMaster == null && addresses.size() > 1) {
            throw new IllegalArgumentException("--redis-url lists several hosts: that is only for Sentinels; "
                    + "add --redis-sentinel-master NAME, or give one host");
        }
        if (sentinelMaster != null && sentinelMaster.isBlank()) {
            throw new IllegalArgumentException("--redis-sentinel-master must not be empty");
        }
        this.addresses = List.copyOf(addresses);
        this.ssl = ssl;
        this.database = database;
        this.user = blankToNull(user);
        this.password = blankToNull(password);
        this.tls = tls;
        this.sentinelMaster = sentinelMaster;
        this.sentinelPassword = blankToNull(sentinelPassword);
    }

    /** A plain Redis without user name, TLS or Sentinel. */
    public RedisTarget(String host, int port, int database, String password) {
        this(List.of(new Address(host, port)), false, database, null, password, null, null, null);
    }

    /** Parses {@code redis://HOST[:PORT][/DB]}; {@code password} (may be null) comes from the environment. */
    public static RedisTarget parse(String url, String password) {
        return parse(url, null, password, null, null, null);
    }

    /**
     * Parses {@code redis[s]://HOST[:PORT][,HOST[:PORT]...][/DB]}. Several hosts only with a
     * {@code sentinelMaster}: then they are the Sentinels (default port 26379).
     *
     * @param user ACL user name, or null for the default user
     * @param password from the environment, or null
     * @param tls PEM material, or null (with rediss://: the JVM's trust store, no client certificate)
     * @param sentinelMaster the master's name at the Sentinels, or null: the URL's host is Redis itself
     * @param sentinelPassword the Sentinels' own password, or null
     */
    public static RedisTarget parse(String url, String user, String password, Tls tls, String sentinelMaster,
            String sentinelPassword) {
        Objects.requireNonNull(url, "url");
        String usage = "--redis-url must look like redis://HOST:PORT/DB or rediss://HOST:PORT/DB (TLS; "
                + "with --redis-sentinel-master: redis://SENTINEL:26379,SENTINEL:26379/DB), password from the environment, got: "
                + withoutCredentials(url);
        boolean ssl;
        String rest;
        if (url.startsWith("redis://")) {
            ssl = false;
            rest = url.substring("redis://".length());
        } else if (url.startsWith("rediss://")) {
            ssl = true;
            rest = url.substring("rediss://".length());
        } else {
            throw new IllegalArgumentException(usage);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.contains("@")) {
            throw new IllegalArgumentException(
                    "--redis-url must not contain credentials: set the password in the environment instead");
        }
        if (rest.contains("?") || rest.contains("#") || authority.isEmpty()) {
            throw new IllegalArgumentException(usage);
        }
        int defaultPort = sentinelMaster != null ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
        List<Address> addresses = new ArrayList<>();
        for (String hostPort : authority.split(",", -1)) {
            addresses.add(address(hostPort, defaultPort, usage));
        }
        int database = 0;
        if (!path.isEmpty()) {
            try {
                database = Integer.parseInt(path);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(usage);
            }
            if (database < 0) {
                throw new IllegalArgumentException(usage);
            }
        }
        return new RedisTarget(addresses, ssl, database, user, password, tls, sentinelMaster, sentinelPassword);
    }

    private static Address address(String hostPort, int defaultPort, String usage) {
        String host;
        String port = null;
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException(usage);
            }
            host = hostPort.substring(1, end);
            String after = hostPort.substring(end + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException(usage);
                }
                port = after.substring(1);
            }
        } else {
            int colon = hostPort.indexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
            throw new IllegalArgumentException(usage);
        }
        try {
            return new Address(host, port == null ? defaultPort : Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage);
        }
    }

    /** {@code url} with anything between {@code //} and {@code @} masked, for error messages. */
    private static String withoutCredentials(String url) {
        return url == null ? null : url.replaceAll("//[^/@]*@", "//***@");
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Redis itself (no Sentinel), or the first Sentinel. */
    public String host() {
        return addresses.get(0).host();
    }

    public int port() {
        return addresses.get(0).port();
    }

    /** Redis itself, or the Sentinels. */
    public List<Address> addresses() {
        return addresses;
    }

    /** Whether to speak TLS ({@code rediss://}), to Redis and to the Sentinels. */
    public boolean ssl() {
        return ssl;
    }

    public Tls tls() {
        return tls;
    }

    public int database() {
        return database;
    }

    /** The ACL user name, or null for the default user. */
    public String user() {
        return user;
    }

    /** The password, or null when Redis needs none. */
    public String password() {
        return password;
    }

    /** The name of the master at the Sentinels, or null without Sentinel. */
    public String sentinelMaster() {
        return sentinelMaster;
    }

    /** The Sentinels' own password, or null. */
    public String sentinelPassword() {
        return sentinelPassword;
    }

    /** The URL without credentials, for messages. */
    public String url() {
        StringBuilder s = new StringBuilder(ssl ? "rediss://" : "redis://");
        if (user != null) {
            s.append(user).append('@');
        }
        for (int i = 0; i < addresses.size(); i++) {
            s.append(i == 0 ? "" : ",").append(addresses.get(i));
        }
        s.append('/').append(database);
        if (sentinelMaster != null) {
            s.append(" (Sentinel master ").append(sentinelMaster).append(')');
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return "RedisTarget{" + url() + ", password=" + (password == null ? "<none>" : "<redacted>")
                + (sentinelPassword == null ? "" : ", sentinelPassword=<redacted>") + (tls == null ? "" : ", " + tls) + "}";
    }
}
