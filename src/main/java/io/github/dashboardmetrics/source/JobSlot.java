package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import org.postgresql.PGConnection;

/**
 * The job's replication slot, created by {@code run} just before the job starts when it does not
 * exist yet, instead of by Flink CDC's enumerator once the job runs: there the creation waits
 * without a limit and without a word for every transaction that had written when it began (a
 * session left idle in a transaction holds a fresh job in RUNNING with nothing read). Here the
 * wait is reported and bounded ({@link SlotCreationWait}); Flink CDC then finds the slot and
 * streams from it as from any existing slot. A bounded read's slot ({@link OneRun}) is dropped
 * again when the read is over.
 */
public final class JobSlot {
    private JobSlot() {}

    /**
     * Creates logical slot {@code slot} (pgoutput) in {@code source}'s database unless it exists.
     *
     * @param waitLimit how long the creation may wait for open transactions; zero: no limit
     * @return whether it created the slot
     * @throws PreflightException when it gave up at {@code waitLimit} (no slot is left), or could not create it
     */
    public static boolean createIfMissing(DatabaseTarget source, String slot, Duration waitLimit, Consumer<String> progress) {
        DatabaseTarget.requireIdentifier(slot, "slot name");
        try (Connection c = source.connect()) {
            if (exists(c, slot)) {
                return false;
            }
            progress.accept("Creating replication slot " + slot + "...");
            try (Statement st = c.createStatement()) {
                // The wait below is bounded by waitLimit, not by this connection's usual timeouts.
                st.execute("SET statement_timeout = 0");
                st.execute("SET lock_timeout = 0");
            }
            c.setNetworkTimeout(Runnable::run, waitLimit.isZero() ? 0
                    : (int) Math.min(Integer.MAX_VALUE, waitLimit.plusSeconds(30).toMillis()));
            int creator = c.unwrap(PGConnection.class).getBackendPID();
            try (SlotCreationWait wait = new SlotCreationWait(source, creator, waitLimit, SlotCreationWait.REPORT_EVERY, progress);
                    PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, slot);
                try {
                    ps.execute();
                } catch (SQLException e) {
                    throw wait.explained(slot, e);
                }
            }
            return true;
        } catch (SQLException e) {
            throw new PreflightException("cannot create replication slot " + slot + " in " + source.jdbcUrl() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Drops {@code slot} once no process streams from it (waiting at most {@code timeout} for its
     * reader to let go); a missing slot is fine.
     *
     * @throws IllegalStateException when it is still in use after {@code timeout}
     */
    public static void dropWhenInactive(DatabaseTarget target, String slot, Duration timeout)
            throws SQLException, InterruptedException {
        if (!awaitInactive(target, slot, timeout)) {
            throw new IllegalStateException("replication slot " + slot + " still in use after " + timeout.toSeconds() + " s");
        }
        try (Connection c = target.connect();
                PreparedStatement drop = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            drop.setString(1, slot);
            drop.execute();
        }
    }

    /**
     * Waits until no process streams from {@code slot} (the reader of a finished or cancelled job
     * has let go), at most {@code timeout}.
     *
     * @return whether it is inactive or missing; false when still in use at the deadline
     */
    public static boolean awaitInactive(DatabaseTarget target, String slot, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = target.connect();
                PreparedStatement active = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            active.setString(1, slot);
            while (true) {
                try (ResultSet rs = active.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return true;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(200); // polling the slot's state until the deadline
            }
        }
    }

    /**
     * The slot of one bounded read ({@code backfill}): created for it when missing, and dropped
     * again at {@link #close} if it was created here, so that no slot is left holding WAL. A slot
     * that existed before is left as it was, and said so.
     */
    public static final class OneRun implements AutoCloseable {
        private final DatabaseTarget source;
        private final String slot;
        private final boolean created;

        private OneRun(DatabaseTarget source, String slot, boolean created) {
            this.source = source;
            this.slot = slot;
            this.created = created;
        }

        /** Drops the slot if this run created it, once its reader has let go (at most a minute). */
        @Override
        public void close() throws SQLException, InterruptedException {
            if (created) {
                dropWhenInactive(source, slot, Duration.ofMinutes(1));
            }
        }
    }

    /** {@link #createIfMissing} for one bounded read, which {@link OneRun#close} ends. */
    public static OneRun forOneRun(DatabaseTarget source, String slot, Duration waitLimit, Consumer<String> progress) {
        boolean created = createIfMissing(source, slot, waitLimit, progress);
        if (!created) {
            progress.accept("Replication slot " + slot + " exists already: it is used and left as it was (if an earlier"
                    + " backfill left it, drop it when nothing streams from it: SELECT pg_drop_replication_slot('" + slot + "'))");
        }
        return new OneRun(source, slot, created);
    }

    private static boolean exists(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
