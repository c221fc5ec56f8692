package io.github.dashboardmetrics.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** The URL's {@code ?key=value&...} parameters, decoded, in order; empty when it has none. */
    public static Map<String, String> parameters(String url) {
        Map<String, String> parameters = new LinkedHashMap<>();
        int query = url.indexOf('?');
        if (query < 0) {
            return parameters;
        }
        for (String pair : url.substring(query + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            parameters.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }
}
