package io.github.dashboardmetrics.verify;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A WHERE clause assembled from conditions, each optional one with exactly one bound parameter. */
final class SqlFilter {
    private final List<String> conditions = new ArrayList<>();
    private final List<Object> parameters = new ArrayList<>();

    /** A condition without parameters, always applied. */
    SqlFilter always(String condition) {
        conditions.add(condition);
        return this;
    }

    /** {@code condition} has one {@code ?}; it is applied only when {@code parameter} is not null. */
    SqlFilter whenPresent(String condition, Object parameter) {
        if (parameter != null) {
            conditions.add(condition);
            parameters.add(parameter);
        }
        return this;
    }

    /** {@code WHERE a AND b ...}, or the empty string. */
    String whereClause() {
        return conditions.isEmpty() ? "" : "WHERE " + String.join(" AND ", conditions);
    }

    void bind(PreparedStatement statement) throws SQLException {
        for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
        }
    }
}
