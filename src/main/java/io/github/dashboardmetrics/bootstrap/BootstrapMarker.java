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
import java.util.function.Consumer;
import org.apache.flink.util.FileUtils;

/**
 * A bootstrap in progress, as a file in the savepoint directory ({@code bootstrap-<slot>.inprogress},
 * naming the savepoint being written), written before the slot is created and removed once the
 * rollups are written. A bootstrap that fails, or is stopped (SIGTERM, Ctrl-C), drops the slot it
 * created (it holds WAL, and its consistent point is lost with the snapshot) and the partial
 * savepoint itself; one killed outright (SIGKILL) leaves the file, and the next attempt with the
 * same slot does it, then starts over. Without the file an existing slot is never touched.
 */
public final class BootstrapMarker {
    private final Path file;
    private final String slot;
    /** A failure or a stop dropped the slot and the savepoint: the bootstrap cannot end any more. */
    private boolean discarded;

    public BootstrapMarker(Path savepointDir, String slot) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        this.file = savepointDir.resolve("bootstrap-" + slot + ".inprogress");
        this.slot = slot;
    }

    /** Records that a bootstrap writing {@code savepoint} is about to create the slot. */
    public void begin(Path savepoint) throws IOException {
        Files.writeString(file, savepoint.toString(), StandardCharsets.UTF_8);
    }

    /**
     * The bootstrap is complete: its slot and savepoint are the result. Refused when a stop
     * ({@link #cleanUpAtStop}, on another thread) has already discarded them.
     */
    public synchronized void end() throws IOException {
        if (discarded) {
            throw new IllegalStateException("stopped: replication slot " + slot + " and the savepoint were dropped");
        }
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
        cleanUp("the bootstrap failed", false, source, log);
    }

    /**
     * The process is being stopped (SIGTERM, Ctrl-C: a shutdown hook) before the bootstrap ended:
     * the same as {@link #cleanUpAfterFailure}, except that the slot may still be held by the
     * bootstrap's own connection that exported the snapshot, which is ended first (the marker says
     * the slot is this attempt's). Only a SIGKILL leaves the slot to the next attempt.
     */
    public void cleanUpAtStop(DatabaseTarget source, Consumer<String> log) {
        cleanUp("stopped before the bootstrap ended", true, source, log);
    }

    private synchronized void cleanUp(String why, boolean endOwnStream, DatabaseTarget source, Consumer<String> log) {
        if (discarded || !Files.exists(file)) {
            return; // ended already, cleaned up already, or never begun
        }
        log.accept("      " + why + ": dropping replication slot " + slot + " (if it was created) and the partial savepoint");
        try {
            if (endOwnStream) {
                endOwnStream(source);
            }
            discard(source, SLOT_RELEASE_WAIT, log);
            discarded = true;
        } catch (IOException | SQLException | RuntimeException e) {
            log.accept("      could not (" + e.getMessage() + "): slot " + slot + " holds WAL until it is dropped. The same command"
                    + " drops it when run again; or SELECT pg_drop_replication_slot('" + slot + "');");
        }
    }

    /** Ends the session that holds this attempt's slot, if one does: the bootstrap's own, exporting the snapshot. */
    private void endOwnStream(DatabaseTarget source) throws SQLException {
        try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active")) {
            ps.setString(1, slot);
            ps.executeQuery().close();
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
        try {
            FileUtils.deleteDirectory(savepoint.toFile());
        } catch (IOException e) {
            // files still being written by a job that is stopping: garbage, not a resource held
            log.accept("      could not delete all of the partial savepoint " + savepoint + " (" + e + "): delete it by hand");
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
