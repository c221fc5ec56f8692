package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.util.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the creation of a logical replication slot from a second connection. PostgreSQL creates
 * a slot only once every transaction that had written when the creation began has ended (that is
 * what makes its consistent point consistent), and waits for them without a limit: one session
 * left "idle in transaction" would hold a bootstrap or a new job forever, silently. This says,
 * every {@code reportEvery}, which transaction the creation waits for (the session holding it, or
 * a prepared transaction), and at {@code limit} cancels the creation ({@code pg_cancel_backend} of
 * the creating backend; PostgreSQL drops the half-made slot) so that the caller can fail with what
 * it waited for ({@link #explained}).
 */
public final class SlotCreationWait implements AutoCloseable {
    /** How often the progress line repeats while the creation waits. */
    public static final Duration REPORT_EVERY = Duration.ofSeconds(15);
    /** How long a creation may wait by default: {@code --slot-wait-timeout-s} of {@code run} and {@code bootstrap}. */
    public static final int DEFAULT_LIMIT_SECONDS = 600;

    /**
     * The lock the creating backend waits for, and who holds it: a session, or a prepared
     * transaction (its lock has no pid). pg_locks is readable by every role; the session's details
     * are null where the role may not see them.
     */
    private static final String AWAITED = "SELECT w.transactionid::text, h.pid, a.usename, a.application_name, a.state,"
            + " to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.gid"
            + " FROM pg_locks w"
            + " JOIN pg_locks h ON h.locktype = 'transactionid' AND h.transactionid = w.transactionid AND h.granted"
            + " LEFT JOIN pg_stat_activity a ON a.pid = h.pid"
            + " LEFT JOIN pg_prepared_xacts p ON p.transaction = w.transactionid"
            + " WHERE w.pid = ? AND w.locktype = 'transactionid' AND NOT w.granted";

    private final Connection watcher;
    private final int creatorPid;
    private final long limitNanos;
    private final long reportEveryNanos;
    private final Consumer<String> progress;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService clock;
    private long nextReport;
    private volatile String cancelledBecause;

    /**
     * Starts watching backend {@code creatorPid} of {@code target}'s database.
     *
     * @param limit when to cancel the creation; zero: never
     */
    public SlotCreationWait(DatabaseTarget target, int creatorPid, Duration limit, Duration reportEvery, Consumer<String> progress)
            throws SQLException {
        this.watcher = target.connect();
        this.creatorPid = creatorPid;
        this.limitNanos = limit.toNanos();
        this.reportEveryNanos = reportEvery.toNanos();
        this.progress = progress;
        this.nextReport = reportEveryNanos;
        this.clock = DaemonThreads.scheduled("replication slot creation watch");
        clock.scheduleWithFixedDelay(this::look, 200, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * The failure of the creation of {@code slot}, for the caller to throw: when this cancelled it
     * at its limit, a {@link PreflightException} saying what it waited for is thrown instead.
     */
    public SQLException explained(String slot, SQLException failure) {
        if (cancelledBecause != null) {
            throw new PreflightException("replication slot " + slot + " was not created: " + cancelledBecause
                    + ". End that transaction, or start again with a longer --slot-wait-timeout-s (0: no limit)", failure);
        }
        return failure;
    }

    private void look() {
        long waited = System.nanoTime() - started;
        boolean report = waited >= nextReport;
        boolean cancel = limitNanos > 0 && waited >= limitNanos;
        if (!report && !cancel) {
            return;
        }
        String awaited;
        try {
            awaited = awaited();
        } catch (SQLException e) {
            awaited = "(cannot see it: " + e.getMessage() + ")";
        }
        if (cancel) {
            cancelledBecause = String.format(Locale.ROOT, "after %d s it still waited for %s", TimeUnit.NANOSECONDS.toSeconds(waited),
                    awaited == null ? "transactions open when it began" : awaited);
            try (PreparedStatement ps = watcher.prepareStatement("SELECT pg_cancel_backend(?)")) {
                ps.setInt(1, creatorPid);
                ps.execute();
            } catch (SQLException e) {
                cancelledBecause += "; cancelling it failed: " + e.getMessage();
            }
            clock.shutdown();
            return;
        }
        nextReport += reportEveryNanos;
        if (awaited != null) {
            progress.accept(String.format(Locale.ROOT,
                    "      still creating the slot after %d s: PostgreSQL waits for every transaction that had written when"
                            + " the creation began to end; now for %s",
                    TimeUnit.NANOSECONDS.toSeconds(waited), awaited));
        }
    }

    /** The transaction the creation waits for now, described; null when it waits for none. */
    private String awaited() throws SQLException {
        List<String> held = new ArrayList<>();
        try (PreparedStatement ps = watcher.prepareStatement(AWAITED)) {
            ps.setInt(1, creatorPid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String xid = rs.getString(1);
                    if (rs.getString(7) != null) {
                        held.add("prepared transaction '" + rs.getString(7) + "' (xid " + xid + ";"
                                + " COMMIT PREPARED or ROLLBACK PREPARED ends it)");
                    } else {
                        int pid = rs.getInt(2);
                        held.add("the transaction of pid " + (rs.wasNull() ? "?" : Integer.toString(pid)) + " (xid " + xid
                                + session(rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)) + ")");
                    }
                }
            }
        }
        return held.isEmpty() ? null : String.join(", ", held);
    }

    private static String session(String user, String application, String state, String since) {
        StringBuilder s = new StringBuilder();
        if (user != null) {
            s.append(", user ").append(user);
        }
        if (application != null && !application.isEmpty()) {
            s.append(", application '").append(application).append('\'');
        }
        if (state != null) {
            s.append(", ").append(state);
        }
        if (since != null) {
            s.append(", in a transaction since ").append(since);
        }
        return s.toString();
    }

    /** Stops watching; the creation ended one way or the other. */
    @Override
    public void close() throws SQLException {
        clock.shutdownNow();
        try {
            clock.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watcher.close();
    }
}
