package io.github.dashboardmetrics.sink;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.function.Predicate;

/**
 * How {@link BatchTransactionWriter} treats a database error.
 *
 * <p><b>Transient</b>, worth writing the same batch again after reconnecting: the connection broke
 * or timed out (socket timeout, which pgjdbc reports as a connection failure), the server is
 * restarting or short of resources, the transaction lost a serialization or deadlock conflict,
 * or a statement or lock wait hit its {@code statement_timeout} / {@code lock_timeout}.
 *
 * <p><b>A refused row</b>, which will fail the same way however often it is written: a data
 * exception (class 22: value out of range, string too long, invalid format), an integrity
 * constraint (class 23: check, not-null, unique, foreign key), a {@code WITH CHECK OPTION}
 * violation (44), or an exception raised by a trigger or function ({@code P0001} RAISE,
 * {@code P0004} ASSERT). The writer isolates such rows and dead-letters them. A foreign-key
 * violation is also how an organisation deleted between the upsert's existence check and the
 * commit shows: written again alone, the row's check then skips it, so it is not dead-lettered.
 *
 * <p>Anything else (a missing table, a lost privilege, bad SQL) is neither: it fails the job at
 * once, and Flink restarts it from its last checkpoint with its restart backoff.
 */
final class SqlErrors {
    private SqlErrors() {}

    static boolean isTransient(SQLException e) {
        return any(e, cause -> cause instanceof SQLTransientException || cause instanceof SQLRecoverableException
                || isTransientState(cause.getSQLState()));
    }

    static boolean refusesRow(SQLException e) {
        return !isTransient(e) && any(e, cause -> refusesRowState(cause.getSQLState()));
    }

    private static boolean any(SQLException e, Predicate<SQLException> test) {
        for (SQLException cause = e; cause != null; cause = cause.getNextException()) {
            if (test.test(cause)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransientState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08") // connection exception (pgjdbc: also a socket timeout)
                || state.startsWith("40") // transaction rollback: serialization failure, deadlock
                || state.startsWith("53") // insufficient resources: too many connections, out of memory
                || state.startsWith("57P") // admin / crash shutdown, cannot connect now
                || state.equals("57014") // query canceled: statement_timeout
                || state.equals("55P03"); // lock not available: lock_timeout
    }

    private static boolean refusesRowState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("22") // data exception
                || state.startsWith("23") // integrity constraint violation
                || state.startsWith("44") // with check option violation
                || state.equals("P0001") // raise_exception (a trigger refusing the row)
                || state.equals("P0004"); // assert_failure
    }
}
