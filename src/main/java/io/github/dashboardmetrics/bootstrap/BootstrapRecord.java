package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.rollup.RetentionPolicy;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.core.fs.FileSystem;

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

    /**
     * The record of the savepoint at {@code savepoint} (a directory, or its {@code _metadata}), if it
     * has one. Read through Flink's file systems: a local path, or a cluster's savepoint storage.
     */
    public static Optional<BootstrapRecord> read(String savepoint) throws IOException {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(savepoint);
        FileSystem fs = path.getFileSystem();
        org.apache.flink.core.fs.Path dir;
        try {
            dir = fs.getFileStatus(path).isDir() ? path : path.getParent();
        } catch (FileNotFoundException e) {
            return Optional.empty(); // no savepoint there: Flink's restore reports that
        }
        org.apache.flink.core.fs.Path file = dir == null ? null : new org.apache.flink.core.fs.Path(dir, FILE);
        if (file == null || !fs.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = new InputStreamReader(fs.open(file), StandardCharsets.UTF_8)) {
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

    private static String required(Properties p, String key, Object file) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IOException(file + " has no " + key);
        }
        return v;
    }
}
