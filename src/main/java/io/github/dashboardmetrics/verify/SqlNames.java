package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.config.DatabaseTarget;

/** Schema, table and column names spliced into SQL: validated, then quoted. */
final class SqlNames {
    private SqlNames() {}

    /** Double-quoted, so that the name is used exactly as given (no case folding). */
    static String quoted(String identifier) {
        return '"' + DatabaseTarget.requireIdentifier(identifier, "SQL identifier") + '"';
    }
}
