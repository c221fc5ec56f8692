package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.rollup.RetentionPolicy;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What a bootstrap savepoint was built against, written beside its {@code _metadata}
 * ({@value #FILE}): the slot whose consistent point the state ends at, that point, the schema and
 * the retention (which decides the state's TTL, and so its serializers). {@code run} reads it
 * when started from the savepoint and refuses a start that would lose or double changes.
 */
public record BootstrapRecord(String slot, long consistentPoint, String schema, RetentionPolicy retention) {
    public static final String FILE = "dashboard-metrics-bootstrap.properties";

    public void write(Path savepointDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("slot", slot);
        p.setProperty("consistent_point", Long.toString(consistentPoint));
        p.setProperty("schema", schema);
        p.setProperty("hourly_retention_days", Integer.toString(retention.hourlyDays()));
        p.setProperty("daily_retention_days", Integer.toString(retention.dailyDays()));
        p.setProperty("monthly_retention_days", Integer.toString(retention.monthlyDays()));
        try (Writer w = Files.newBufferedWriter(savepointDir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.store(w, "written by dashboard-metrics bootstrap; read by run --from-savepoint");
        }
    }

    /** The record of the savepoint at {@code savepoint} (a directory, or its {@code _metadata}), if it has one. */
    public static Optional<BootstrapRecord> read(String savepoint) throws IOException {
        Path path = Path.of(savepoint.startsWith("file:") ? java.net.URI.create(savepoint).getPath() : savepoint);
        Path dir = Files.isDirectory(path) ? path : path.getParent();
        Path file = dir == null ? null : dir.resolve(FILE);
        if (file == null || !Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        try {
            return Optional.of(new BootstrapRecord(required(p, "slot", file), Long.parseLong(required(p, "consistent_point", file)),
                    required(p, "schema", file), new RetentionPolicy(
                            Integer.parseInt(required(p, "hourly_retention_days", file)),
                            Integer.parseInt(required(p, "daily_retention_days", file)),
                            Integer.parseInt(required(p, "monthly_retention_days", file)))));
        } catch (NumberFormatException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key, Path file) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IOException(file + " has no " + key);
        }
        return v;
    }
}
