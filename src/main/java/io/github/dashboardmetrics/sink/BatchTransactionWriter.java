package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of rows to one table, each batch in one transaction with one prepared statement
 * (the rollup upsert of {@link RollupStatements}, the dead-letter insert), over one connection
 * that is opened on first use and re-opened after a failure. When the method returns, the batch
 * is committed.
 *
 * <p>A transient error ({@link TransientSqlErrors}) rolls back, reconnects, waits (100 ms,
 * doubling, at most 5 s) and writes the whole batch again, up to {@code maxRetries} times; after
 * that, or for any other error, it throws, which fails the job: Flink restarts it from the last
 * checkpoint and the rows since then are written again (absolute values, so harmless).
 */
final class BatchTransactionWriter<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchTransactionWriter.class);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    /** Binds one row to the statement's parameters. */
    interface Binder<T> {
        void bind(PreparedStatement statement, T row) throws SQLException;
    }

    private final DatabaseTarget target;
    private final String table;
    private final String sql;
    private final Binder<T> binder;
    private final int maxRetries;
    private final String applicationName;
    private final Counter retries;

    private Connection connection;
    private PreparedStatement statement;

    /**
     * @param applicationName shown in {@code pg_stat_activity}, so an operator can tell the
     *                        writers' connections apart
     */
    BatchTransactionWriter(DatabaseTarget target, String table, String sql, Binder<T> binder, int maxRetries,
            String applicationName, Counter retries) {
        this.target = target;
        this.table = table;
        this.sql = sql;
        this.binder = binder;
        this.maxRetries = maxRetries;
        this.applicationName = applicationName;
        this.retries = retries;
    }

    /** Writes and commits {@code rows} in one transaction (retrying transient errors), or throws. */
    void write(List<T> rows) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                writeOnce(rows);
                return;
            } catch (SQLException e) {
                closeConnection();
                if (attempt >= maxRetries || !TransientSqlErrors.isTransient(e)) {
                    throw new IOException("writing " + rows.size() + " rows to " + table + " failed"
                            + (attempt > 0 ? " after " + (attempt + 1) + " attempts" : "") + ": " + describe(e), e);
                }
                long backoffMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << attempt);
                LOG.warn("Writing {} rows to {} failed ({}); reconnecting and retrying in {} ms (retry {} of {})",
                        rows.size(), table, describe(e), backoffMs, attempt + 1, maxRetries);
                retries.inc();
                Thread.sleep(backoffMs); // backoff before the retry; the failure is real, the wait is its remedy
            }
        }
    }

    private void writeOnce(List<T> rows) throws SQLException {
        if (connection == null) {
            open();
        }
        try {
            for (T row : rows) {
                binder.bind(statement, row);
                statement.addBatch();
            }
            statement.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            try {
                statement.clearBatch();
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is closed next anyway
            }
            throw e;
        }
    }

    private void open() throws SQLException {
        Connection opened = target.connect();
        try {
            opened.setAutoCommit(false);
            opened.setClientInfo("ApplicationName", applicationName);
            statement = opened.prepareStatement(sql);
            connection = opened;
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
    }

    /**
     * One line: for a failed batch the server's error that pgjdbc chains behind it (its own
     * message repeats the whole statement with its values), otherwise the message itself.
     */
    private static String describe(SQLException e) {
        SQLException cause = e instanceof java.sql.BatchUpdateException && e.getNextException() != null
                ? e.getNextException() : e;
        return cause.getMessage() + " [SQLState " + cause.getSQLState() + "]";
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // broken already; a new connection is opened for the next attempt
            }
            connection = null;
            statement = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
