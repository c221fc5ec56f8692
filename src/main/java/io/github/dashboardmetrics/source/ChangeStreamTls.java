package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.JdbcUrl;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * TLS for the change stream. The JDBC URL's TLS parameters (what every other connection of the
 * job uses) are handed to Debezium, whose replication and snapshot connections otherwise use
 * its own default, {@code sslmode=disable}. Debezium 1.9 knows fewer modes than pgjdbc: a mode it
 * cannot honour is refused rather than quietly weakened.
 */
final class ChangeStreamTls {
    private static final Set<String> DEBEZIUM_MODES = Set.of("disable", "require", "verify-ca", "verify-full");
    /** pgjdbc's file and factory parameters that Debezium passes on under {@code database.<name>}. */
    private static final Set<String> PASSED_ON = Set.of("sslrootcert", "sslcert", "sslkey", "sslfactory");

    private ChangeStreamTls() {}

    /** Adds the URL's TLS settings to Debezium's properties. */
    static void configure(String jdbcUrl, Properties debezium) {
        Map<String, String> parameters = JdbcUrl.parameters(jdbcUrl);
        String mode = parameters.get("sslmode");
        if (mode == null && "true".equalsIgnoreCase(parameters.get("ssl"))) {
            mode = "verify-full"; // pgjdbc's meaning of ssl=true without sslmode
        }
        if (mode != null) {
            if (!DEBEZIUM_MODES.contains(mode)) {
                throw new IllegalArgumentException("sslmode=" + mode + " in the database URL: the change stream"
                        + " supports sslmode " + String.join(", ", new java.util.TreeSet<>(DEBEZIUM_MODES))
                        + "; pick one of those");
            }
            debezium.setProperty("database.sslmode", mode);
        }
        for (String name : PASSED_ON) {
            String value = parameters.get(name);
            if (value != null) {
                debezium.setProperty("database." + name, value);
            }
        }
    }
}
