package io.github.dashboardmetrics.demo;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.StringJoiner;

/**
 * Runs the generator's INSERT, UPDATE and DELETE statements against the source tables of one
 * schema (table names are schema-qualified, so the connection's search path does not matter)
 * and counts the changed rows per table in a {@link ChangeTally}.
 */
final class SourceRowWriter {
    private final Connection connection;
    private final String schema;
    private final ChangeTally tally;

    SourceRowWriter(Connection connection, String schema, ChangeTally tally) {
        this.connection = connection;
        this.schema = DatabaseTarget.requireIdentifier(schema, "schema");
        this.tally = tally;
    }

    int insert(String table, Row row) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(insertSql(table, row))) {
            bind(statement, 1, row.values().values().toArray());
            int rows = statement.executeUpdate();
            tally.inserted(table, rows);
            return rows;
        }
    }

    /** INSERT ... RETURNING id, for organization, whose bigint id the database assigns. */
    long insertReturningId(String table, Row row) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(insertSql(table, row) + " RETURNING \"id\"")) {
            bind(statement, 1, row.values().values().toArray());
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                tally.inserted(table, 1);
                return result.getLong(1);
            }
        }
    }

    /** UPDATE table SET assignments WHERE keyColumn = key. */
    int update(String table, Row assignments, String keyColumn, Object key) throws SQLException {
        StringJoiner set = new StringJoiner(", ");
        for (String column : assignments.values().keySet()) {
            set.add(quote(column) + " = ?");
        }
        String sql = "UPDATE " + table(table) + " SET " + set + " WHERE " + quote(keyColumn) + " = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            Object[] values = assignments.values().values().toArray();
            bind(statement, 1, values);
            bind(statement, values.length + 1, key);
            int rows = statement.executeUpdate();
            tally.updated(table, rows);
            return rows;
        }
    }

    /** UPDATE by primary key {@code id}. */
    int updateById(String table, Object id, Row assignments) throws SQLException {
        return update(table, assignments, "id", id);
    }

    /** DELETE FROM table WHERE column = value. */
    int delete(String table, String column, Object value) throws SQLException {
        return deleteWhere(table, quote(column) + " = ?", List.of(value));
    }

    /** DELETE FROM table WHERE condition; the condition may name other tables with {@link #table}. */
    int deleteWhere(String table, String condition, List<?> values) throws SQLException {
        String sql = "DELETE FROM " + table(table) + " WHERE " + condition;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, 1, values.toArray());
            int rows = statement.executeUpdate();
            tally.deleted(table, rows);
            return rows;
        }
    }

    /** The schema-qualified, quoted name of a table. */
    String table(String table) {
        return quote(schema) + "." + quote(table);
    }

    private String insertSql(String table, Row row) {
        StringJoiner columns = new StringJoiner(", ");
        StringJoiner marks = new StringJoiner(", ");
        for (String column : row.values().keySet()) {
            columns.add(quote(column));
            marks.add("?");
        }
        return "INSERT INTO " + table(table) + " (" + columns + ") VALUES (" + marks + ")";
    }

    private static void bind(PreparedStatement statement, int first, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            // timestamptz: an OffsetDateTime in UTC is what pgjdbc maps to it without guessing.
            statement.setObject(first + i, value instanceof Instant instant ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : value);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier + "\"";
    }
}
