package io.github.dashboardmetrics.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The host, port and database of a {@code jdbc:postgresql://HOST[:PORT]/DB[?params]} URL. */
public record JdbcUrl(String host, int port, String database) {
    private static final Pattern FORM =
            Pattern.compile("jdbc:postgresql://([^/:?]+|\\[[^\\]]+\\])(?::(\\d+))?/([^?]+)(?:\\?.*)?");

    public static JdbcUrl parse(String url) {
        Matcher m = FORM.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "database URL must look like jdbc:postgresql://HOST:PORT/DB, got: " + url);
        }
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        return new JdbcUrl(m.group(1), port, m.group(3));
    }
}
