package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.SlotCreationWait;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * A logical replication slot (pgoutput) created together with an exported snapshot: the first
 * piece of a bootstrap that reads the tables in bulk and then streams from the slot. The rows the
 * snapshot shows and the changes the slot delivers meet exactly at the slot's consistent point:
 * every transaction committed before it is in the snapshot and not in the slot, every one after
 * it in the slot and not in the snapshot (a transaction still open when the slot is created makes
 * the creation wait for it, and lands before the consistent point; {@link SlotCreationWait} says
 * which one it waits for, and ends the wait at a limit).
 *
 * <p>PostgreSQL keeps the snapshot importable only while the replication connection that created
 * the slot stays open and runs no other command: this object holds that connection, and
 * {@link #openReader} may be called from any number of readers, in parallel, until {@link #close}.
 * Closing releases the snapshot; the slot stays.
 */
public final class ExportedSnapshotSlot implements AutoCloseable {
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-Fa-f-]+");

    private final Connection replication;
    private final String slot;
    private final long consistentPoint;
    private final String snapshotName;

    private ExportedSnapshotSlot(Connection replication, String slot, long consistentPoint, String snapshotName) {
        this.replication = replication;
        this.slot = slot;
        this.consistentPoint = consistentPoint;
        this.snapshotName = snapshotName;
    }

    /**
     * Creates slot {@code slot} (pgoutput) in {@code target}'s database, with its snapshot exported.
     * The creation waits for every transaction that had written when it began; while it waits,
     * {@code progress} hears which one every {@link SlotCreationWait#REPORT_EVERY}, and after
     * {@code waitLimit} (zero: no limit) the creation is cancelled, no slot is left, and a
     * {@link io.github.dashboardmetrics.source.PreflightException} says what it waited for.
     */
    public static ExportedSnapshotSlot create(DatabaseTarget target, String slot, Duration waitLimit, Consumer<String> progress)
            throws SQLException {
        return create(target, slot, waitLimit, SlotCreationWait.REPORT_EVERY, progress);
    }

    static ExportedSnapshotSlot create(DatabaseTarget target, String slot, Duration waitLimit, Duration reportEvery,
            Consumer<String> progress) throws SQLException {
        DatabaseTarget.requireIdentifier(slot, "slot");
        Connection c = target.connectForReplication();
        try {
            ReplicationSlotInfo info;
            try (SlotCreationWait wait = new SlotCreationWait(target, c.unwrap(PGConnection.class).getBackendPID(), waitLimit,
                    reportEvery, progress)) {
                try {
                    info = c.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                            .logical().withSlotName(slot).withOutputPlugin("pgoutput").make();
                } catch (SQLException e) {
                    throw wait.explained(slot, e);
                }
            }
            String name = info.getSnapshotName();
            if (name == null || !SNAPSHOT_NAME.matcher(name).matches()) {
                throw new SQLException("creating replication slot " + slot + " exported no usable snapshot: " + name);
            }
            return new ExportedSnapshotSlot(c, slot, info.getConsistentPoint().asLong(), name);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public String slot() {
        return slot;
    }

    /** The WAL position where the snapshot ends and the slot's changes begin. */
    public long consistentPoint() {
        return consistentPoint;
    }

    /** The name readers import the snapshot by ({@code SET TRANSACTION SNAPSHOT}). */
    public String snapshotName() {
        return snapshotName;
    }

    /**
     * A connection of {@code target} inside a read-only REPEATABLE READ transaction that sees the
     * database exactly as of the consistent point. The caller closes it.
     */
    public Connection openReader(DatabaseTarget target) throws SQLException {
        return importSnapshot(target, snapshotName);
    }

    /**
     * A connection of {@code target} inside a read-only REPEATABLE READ transaction on exported
     * snapshot {@code snapshotName}, from any process, while the slot's creator still holds it.
     */
    public static Connection importSnapshot(DatabaseTarget target, String snapshotName) throws SQLException {
        if (!SNAPSHOT_NAME.matcher(snapshotName).matches()) {
            throw new IllegalArgumentException("not an exported snapshot's name: " + snapshotName);
        }
        Connection c = target.connect();
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName + "'");
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Releases the exported snapshot (readers already open keep theirs); the slot stays. */
    @Override
    public void close() throws SQLException {
        replication.close();
    }
}
