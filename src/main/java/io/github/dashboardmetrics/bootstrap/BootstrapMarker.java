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
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A bootstrap in progress, as a file in the savepoint directory ({@code bootstrap-<slot>.inprogress},
 * naming the savepoint being written), written before the slot is created and removed once the
 * rollups are written. A bootstrap that fails drops the slot it created (it holds WAL, and its
 * consistent point is lost with the snapshot) and the partial savepoint itself; one killed midway
 * leaves the file, and the next attempt with the same slot does it, then starts over. Without the
 * file an existing slot is never touched.
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
        log.accept("      an earlier bootstrap with slot " + slot + " did not finish: dropping its slot and partial savepoint");
        try {
            discard(source, Duration.ZERO, log);
        } catch (SQLException e) {
            throw new PreflightException("cannot drop replication slot " + slot + " of the unfinished bootstrap: "
                    + e.getMessage(), e);
        }
    }

    /**
     * This attempt failed after it wrote the marker: drops the slot it created (it would hold WAL
     * until somebody dropped it, and its consistent point is useless without the savepoint) and the
     * partial savepoint, at once rather than at the next attempt. Never throws: when it cannot, it
     * says what is left and how to remove it, and the marker stays for the next attempt.
     */
    public void cleanUpAfterFailure(DatabaseTarget source, Consumer<String> log) {
        if (!Files.exists(file)) {
            return; // ended already, or never begun
        }
        log.accept("      the bootstrap failed: dropping replication slot " + slot + " (if it was created) and the partial savepoint");
        try {
            discard(source, SLOT_RELEASE_WAIT, log);
        } catch (IOException | SQLException | RuntimeException e) {
            log.accept("      could not (" + e.getMessage() + "): slot " + slot + " holds WAL until it is dropped. The same command"
                    + " drops it when run again; or SELECT pg_drop_replication_slot('" + slot + "');");
        }
    }

    /**
     * How long a failed attempt waits for its slot to be let go: the connection that created it is
     * closed by then, but its server process may still hold the slot for a moment.
     */
    static final Duration SLOT_RELEASE_WAIT = Duration.ofSeconds(10);

    /**
     * Drops the slot once nothing streams from it (waiting up to {@code releaseWait} for that),
     * deletes the partial savepoint, then the marker. A slot still in use is left alone, and said so.
     */
    private void discard(DatabaseTarget source, Duration releaseWait, Consumer<String> log) throws IOException, SQLException {
        try (Connection c = source.connect()) {
            long deadline = System.nanoTime() + releaseWait.toNanos();
            while (slotActive(c) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100); // polling the slot's release, with a deadline
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for slot " + slot + " to be released", e);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        log.accept("      dropped replication slot " + slot);
                    }
                }
            }
            if (slotActive(c)) {
                log.accept("      replication slot " + slot + " is in use by another session: left as it is");
            }
        }
        Path savepoint = Path.of(Files.readString(file, StandardCharsets.UTF_8).trim());
        if (Files.isDirectory(savepoint)) {
            try (Stream<Path> paths = Files.walk(savepoint)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.delete(file);
    }

    private boolean slotActive(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
