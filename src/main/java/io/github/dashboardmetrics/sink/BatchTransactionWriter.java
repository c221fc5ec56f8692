package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.DeadLetter;
import java.io.IOException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of rows, each batch in one transaction, over one connection that is opened on
 * first use and re-opened after a failure. A batch may mix rows of several statements (the rollup
 * upserts of {@link RollupStatements} for three tables, the dead-letter insert): {@link
 * RowStatements} says which statement writes a row; consecutive rows of one statement go to the
 * server as one JDBC batch, and rows are written in the order given. When {@link #write} returns,
 * the batch is committed.
 *
 * <p><b>Transient errors</b> ({@link SqlErrors#isTransient}: connection lost, socket or statement
 * timeout, serialization failure, deadlock, server shutting down) roll back, reconnect, wait
 * (100 ms, doubling, at most {@value #MAX_BACKOFF_MS} ms) and write the whole batch again, up to
 * {@code maxRetries} times; then {@link #write} throws, which fails the job over to Flink's
 * restart strategy (exponential delay), which does the long waiting without holding the task
 * thread. The waits here are short and interruptible ({@link Thread#sleep} ends at once when Flink
 * cancels the task), so neither a checkpoint nor a cancellation waits on them for long; each
 * attempt itself is bounded by the target's {@link DatabaseTarget.Timeouts}.
 *
 * <p><b>Rows the database refuses for good</b> ({@link SqlErrors#refusesRow}: a data exception
 * such as a value out of range, an integrity constraint, an exception raised by a trigger) do not
 * fail the job: retrying would fail the same way, and so would every restore from a checkpoint,
 * forever. When a {@link Refusals} is given, the batch is rolled back and written again in one
 * transaction in which the offending rows are isolated by bisection under savepoints (a failing
 * range is rolled back to its savepoint and split in two, down to single rows; deferred
 * constraints are made immediate for it, so that they fail on their row); each refused row
 * becomes a dead letter ({@link DeadLetterTable}, same database) inserted in that same
 * transaction, and the rest of the batch, in its order, is committed with them. Without a
 * {@link Refusals} (the dead-letter writer itself) such an error fails the job like any other.
 * Any other error (a missing table, a lost privilege) fails the job at once.
 */
final class BatchTransactionWriter<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchTransactionWriter.class);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1_000;

    /** Binds one row to the statement's parameters. */
    interface Binder<T> {
        void bind(PreparedStatement statement, T row) throws SQLException;
    }

    /** Which statement writes a row, and how the row is bound to it. */
    interface RowStatements<T> {
        /** The SQL of the statement that writes {@code row}: one of a few fixed strings. */
        String sql(T row);

        void bind(PreparedStatement statement, T row) throws SQLException;

        /** One statement for every row. */
        static <T> RowStatements<T> single(String sql, Binder<T> binder) {
            return new RowStatements<>() {
                @Override
                public String sql(T row) {
                    return sql;
                }

                @Override
                public void bind(PreparedStatement statement, T row) throws SQLException {
                    binder.bind(statement, row);
                }
            };
        }
    }

    /**
     * Writes a range of rows with statements of its own, several rows per statement (in the
     * current transaction; the writer commits, retries and isolates refused rows around it).
     */
    interface RangeStatements<T> {
        void execute(Connection connection, List<T> rows) throws SQLException;
    }

    /** Turns a row the database refused into the dead letter that records it. */
    interface Refusals<T> {
        /** @param error the server's error, one line with its SQLState */
        DeadLetter deadLetter(T row, String error, long detectedAtMs);
    }

    /** A row the database refused, with the error; {@code letter}: its dead letter, once written. */
    record Refused<T>(T row, String error, DeadLetter letter) {}

    private final DatabaseTarget target;
    private final String what;
    private final RowStatements<T> statements;
    /** Instead of {@link #statements}: writes whole ranges. */
    private final RangeStatements<T> ranges;
    private final Refusals<T> refusals;
    private final int maxRetries;
    private final String applicationName;
    private final Counter retries;
    private final Counter deadLettered;

    private Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    /** One statement for every row, no dead letters: every permanent error fails the job. */
    BatchTransactionWriter(DatabaseTarget target, String table, String sql, Binder<T> binder, int maxRetries,
            String applicationName, Counter retries) {
        this(target, table, RowStatements.single(sql, binder), null, maxRetries, applicationName, retries, null);
    }

    /**
     * @param what            what is written, for messages (a table name)
     * @param refusals        how a refused row becomes a dead letter; null: refused rows fail the job
     * @param applicationName shown in {@code pg_stat_activity}, so an operator can tell the
     *                        writers' connections apart
     * @param deadLettered    counts refused rows (may be null when {@code refusals} is)
     */
    BatchTransactionWriter(DatabaseTarget target, String what, RowStatements<T> statements, Refusals<T> refusals,
            int maxRetries, String applicationName, Counter retries, Counter deadLettered) {
        this(target, what, statements, null, refusals, maxRetries, applicationName, retries, deadLettered);
    }

    /** As above, with statements that write whole ranges of rows. */
    BatchTransactionWriter(DatabaseTarget target, String what, RangeStatements<T> ranges, Refusals<T> refusals,
            int maxRetries, String applicationName, Counter retries, Counter deadLettered) {
        this(target, what, null, ranges, refusals, maxRetries, applicationName, retries, deadLettered);
    }

    private BatchTransactionWriter(DatabaseTarget target, String what, RowStatements<T> statements,
            RangeStatements<T> ranges, Refusals<T> refusals, int maxRetries, String applicationName, Counter retries,
            Counter deadLettered) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("retries must be >= 0");
        }
        this.target = target;
        this.what = what;
        this.statements = statements;
        this.ranges = ranges;
        this.refusals = refusals;
        this.maxRetries = maxRetries;
        this.applicationName = applicationName;
        this.retries = retries;
        this.deadLettered = refusals == null ? null : java.util.Objects.requireNonNull(deadLettered, "deadLettered");
    }

    /**
     * Writes and commits {@code rows} in one transaction (retrying transient errors), or throws.
     * Returns the rows the database refused, which were committed to the dead-letter table
     * instead (in the same transaction); empty when every row was written.
     */
    List<Refused<T>> write(List<T> rows) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                List<Refused<T>> refused = writeOnce(rows);
                if (!refused.isEmpty()) {
                    deadLettered.inc(refused.size());
                    for (Refused<T> r : refused) {
                        LOG.warn("The database refused a row for {}; it is in {} and the job goes on: {} ({})",
                                r.letter().sourceTable, DeadLetterTable.TABLE, r.letter().sourcePosition, r.error());
                    }
                }
                return refused;
            } catch (SQLException e) {
                closeConnection();
                if (attempt >= maxRetries || !SqlErrors.isTransient(e)) {
                    throw new IOException("writing " + rows.size() + " rows to " + what + " failed"
                            + (attempt > 0 ? " after " + (attempt + 1) + " attempts" : "") + ": " + describe(e), e);
                }
                long backoffMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(attempt, 20));
                LOG.warn("Writing {} rows to {} failed ({}); reconnecting and retrying in {} ms (retry {} of {})",
                        rows.size(), what, describe(e), backoffMs, attempt + 1, maxRetries);
                retries.inc();
                Thread.sleep(backoffMs); // at most 1 s and interruptible: cancellation does not wait for it
            }
        }
    }

    private List<Refused<T>> writeOnce(List<T> rows) throws SQLException {
        if (connection == null) {
            open();
        }
        try {
            execute(rows, 0, rows.size());
            connection.commit();
            return List.of();
        } catch (SQLException e) {
            if (refusals == null || !SqlErrors.refusesRow(e)) {
                // No rollback: the caller closes the connection, which ends the transaction; a
                // rollback on a server that stopped answering would wait out another socket timeout.
                throw e;
            }
            rollbackQuietly();
            LOG.info("Writing {} rows to {} failed on a row the database refuses ({}); isolating it", rows.size(),
                    what, describe(e));
        }
        // On an error, the caller closes the connection, which rolls the transaction back.
        // Deferred constraints (Django makes its foreign keys DEFERRABLE INITIALLY DEFERRED) would
        // only fail at the commit, for the whole transaction: checked per statement here, they
        // can be isolated like any other refusal.
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute("SET CONSTRAINTS ALL IMMEDIATE");
        }
        List<Refused<T>> isolated = new ArrayList<>();
        isolate(rows, 0, rows.size(), isolated);
        List<Refused<T>> refused = new ArrayList<>(isolated.size());
        if (!isolated.isEmpty()) {
            PreparedStatement insert = statement(DeadLetterTable.insertStatement(target.schema()));
            long now = System.currentTimeMillis();
            for (Refused<T> r : isolated) {
                DeadLetter letter = refusals.deadLetter(r.row(), r.error(), now);
                refused.add(new Refused<>(r.row(), r.error(), letter));
                DeadLetterTable.bind(insert, letter);
                insert.addBatch();
            }
            try {
                insert.executeBatch();
            } finally {
                insert.clearBatch();
            }
        }
        connection.commit();
        return refused;
    }

    /**
     * Writes {@code rows[from, to)} under a savepoint; when the database refuses a row in it, rolls
     * back to the savepoint and writes each half the same way, down to single rows, which are added
     * to {@code refused}. Rows are written in their order. Other errors propagate.
     */
    private void isolate(List<T> rows, int from, int to, List<Refused<T>> refused) throws SQLException {
        if (from >= to) {
            return;
        }
        Savepoint savepoint = connection.setSavepoint();
        try {
            execute(rows, from, to);
            connection.releaseSavepoint(savepoint);
            return;
        } catch (SQLException e) {
            if (!SqlErrors.refusesRow(e)) {
                throw e; // the connection is closed next: no rollback that could wait on a dead server
            }
            connection.rollback(savepoint);
            connection.releaseSavepoint(savepoint);
            if (to - from == 1) {
                refused.add(new Refused<>(rows.get(from), describe(e), null));
                return;
            }
        }
        int middle = (from + to) >>> 1;
        isolate(rows, from, middle, refused);
        isolate(rows, middle, to, refused);
    }

    /** Executes {@code rows[from, to)} in order: each run of rows of one statement as one JDBC batch (or the range at once). */
    private void execute(List<T> rows, int from, int to) throws SQLException {
        if (ranges != null) {
            ranges.execute(connection, rows.subList(from, to));
            return;
        }
        int i = from;
        while (i < to) {
            String sql = statements.sql(rows.get(i));
            PreparedStatement ps = statement(sql);
            try {
                while (i < to && sql.equals(statements.sql(rows.get(i)))) {
                    statements.bind(ps, rows.get(i));
                    ps.addBatch();
                    i++;
                }
                ps.executeBatch();
            } finally {
                ps.clearBatch();
            }
        }
    }

    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    private void open() throws SQLException {
        Connection opened = target.connect();
        try {
            opened.setAutoCommit(false);
            opened.setClientInfo("ApplicationName", applicationName);
            connection = opened;
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is closed next anyway (or the next statement reports it)
        }
    }

    /**
     * One line: for a failed batch the server's error that pgjdbc chains behind it (its own
     * message repeats the whole statement with its values), otherwise the message itself.
     */
    static String describe(SQLException e) {
        SQLException cause = e instanceof BatchUpdateException && e.getNextException() != null
                ? e.getNextException() : e;
        return String.valueOf(cause.getMessage()).replaceAll("\\s+", " ").trim() + " [SQLState " + cause.getSQLState()
                + "]";
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // broken already; a new connection is opened for the next attempt
            }
            connection = null;
            prepared.clear();
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
