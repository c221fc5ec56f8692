package io.github.dashboardmetrics.config;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * Where Unstract's Redis is: host, port, database number and password, from a
 * {@code redis://HOST[:PORT][/DB]} URL.
 *
 * <p>As with the databases, the password never comes from the command line (it would show in
 * {@code ps}): the caller reads it from the environment, and a URL that carries credentials is
 * refused rather than silently used. {@link #toString()} redacts it.
 */
public final class RedisTarget implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_PORT = 6379;

    private final String host;
    private final int port;
    private final int database;
    private final String password;

    public RedisTarget(String host, int port, int database, String password) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Redis port must be 1-65535, got " + port);
        }
        if (database < 0) {
            throw new IllegalArgumentException("Redis database number must be >= 0, got " + database);
        }
        this.port = port;
        this.database = database;
        this.password = password == null || password.isEmpty() ? null : password;
    }

    /** Parses {@code redis://HOST[:PORT][/DB]}; {@code password} (may be null) comes from the environment. */
    public static RedisTarget parse(String url, String password) {
        String usage = "--redis-url must look like redis://HOST:PORT/DB (password from the environment), got: "
                + withoutCredentials(url);
        URI uri;
        try {
            uri = new URI(Objects.requireNonNull(url, "url"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(usage);
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw new IllegalArgumentException(
                    "--redis-url must not contain credentials: set the password in the environment instead");
        }
        if ("rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--redis-url: TLS (rediss://) is not supported; use redis://, got: " + url);
        }
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null
                || uri.getFragment() != null) {
            throw new IllegalArgumentException(usage);
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        String path = uri.getPath() == null ? "" : uri.getPath();
        int database = 0;
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(usage);
            }
        }
        return new RedisTarget(host, port, database, password);
    }

    /** {@code url} with anything between {@code //} and {@code @} masked, for error messages. */
    private static String withoutCredentials(String url) {
        return url == null ? null : url.replaceAll("//[^/@]*@", "//***@");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int database() {
        return database;
    }

    /** The password, or null when Redis needs none. */
    public String password() {
        return password;
    }

    /** The URL without credentials, for messages. */
    public String url() {
        String shownHost = host.contains(":") ? "[" + host + "]" : host;
        return "redis://" + shownHost + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "RedisTarget{" + url() + ", password=" + (password == null ? "<none>" : "<redacted>") + "}";
    }
}
