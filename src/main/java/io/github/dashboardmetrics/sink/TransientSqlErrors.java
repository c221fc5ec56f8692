package io.github.dashboardmetrics.sink;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Which database errors are worth retrying the same batch for, after reconnecting: the
 * connection broke, the server is restarting or short of resources, the transaction lost a
 * serialization or deadlock conflict, or an organisation was deleted between the statement's
 * existence check and the commit (the retry's check then skips its rows). Anything else (a
 * missing table, a lost privilege, bad SQL) will fail again the same way: the writer fails the
 * job at once so that it restarts from its last checkpoint with Flink's restart backoff.
 */
final class TransientSqlErrors {
    private TransientSqlErrors() {}

    static boolean isTransient(SQLException e) {
        for (SQLException cause = e; cause != null; cause = cause.getNextException()) {
            if (cause instanceof SQLTransientException || cause instanceof SQLRecoverableException
                    || isTransientState(cause.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransientState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08") // connection exception
                || state.startsWith("40") // transaction rollback: serialization failure, deadlock
                || state.startsWith("53") // insufficient resources: too many connections, out of memory
                || state.startsWith("57P") // admin / crash shutdown, cannot connect now
                || state.equals("55P03") // lock not available
                || state.equals("23503"); // foreign key violation: organisation deleted meanwhile
    }
}
