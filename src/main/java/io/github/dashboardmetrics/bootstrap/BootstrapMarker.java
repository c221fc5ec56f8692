package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.PreflightException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A bootstrap in progress, as a file in the savepoint directory ({@code bootstrap-<slot>.inprogress},
 * naming the savepoint being written), written before the slot is created and removed once the
 * rollups are written. A bootstrap killed midway leaves it; the next attempt with the same slot
 * then drops the slot that attempt created (it holds WAL, and its consistent point is lost with
 * the snapshot) and the partial savepoint, and starts over. Without the file an existing slot is
 * never touched.
 */
public final class BootstrapMarker {
    private final Path file;
    private final String slot;

    public BootstrapMarker(Path savepointDir, String slot) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        this.file = savepointDir.resolve("bootstrap-" + slot + ".inprogress");
        this.slot = slot;
    }

    /** Records that a bootstrap writing {@code savepoint} is about to create the slot. */
    public void begin(Path savepoint) throws IOException {
        Files.writeString(file, savepoint.toString(), StandardCharsets.UTF_8);
    }

    /** The bootstrap is complete: its slot and savepoint are the result. */
    public void end() throws IOException {
        Files.deleteIfExists(file);
    }

    /** When an earlier attempt was killed: drops its slot (unless something streams from it) and its partial savepoint. */
    public void cleanUpAfterAnEarlierAttempt(DatabaseTarget source, Consumer<String> log) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        Path savepoint = Path.of(Files.readString(file, StandardCharsets.UTF_8).trim());
        log.accept("      an earlier bootstrap with slot " + slot + " did not finish: dropping its slot and partial savepoint");
        try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    log.accept("      dropped replication slot " + slot);
                }
            }
        } catch (SQLException e) {
            throw new PreflightException("cannot drop replication slot " + slot + " of the unfinished bootstrap: "
                    + e.getMessage(), e);
        }
        if (Files.isDirectory(savepoint)) {
            try (Stream<Path> paths = Files.walk(savepoint)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.delete(file);
    }
}
