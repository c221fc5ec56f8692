package io.github.dashboardmetrics.source;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Columns of a row read with JDBC, typed the way Debezium's connector types them for
 * {@link StructRowFields}, so that a bulk read projects every row exactly as the change stream
 * would: uuid and varchar as text, bigint and int as integers, double precision as a double,
 * timestamptz as epoch milliseconds (floored, as {@link IsoTimestamps} floors Debezium's ISO text).
 * The result set's columns are those of {@link RowProjection#columns}, in that order; the object
 * reads its current row.
 */
final class JdbcRowFields extends TypedRowFields {
    private final ResultSet rows;
    private final List<String> columns;

    JdbcRowFields(ResultSet rows, List<String> columns) {
        this.rows = rows;
        this.columns = columns;
    }

    private int index(String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("column " + column + " is not selected by the bulk read");
        }
        return i + 1;
    }

    @Override
    Object value(String column) throws BadChangeEvent {
        try {
            return rows.getObject(index(column));
        } catch (SQLException e) {
            throw new BadChangeEvent("column " + column + " cannot be read: " + e.getMessage());
        }
    }

    @Override
    public Long timestampMillis(String column) throws BadChangeEvent {
        try {
            OffsetDateTime t = rows.getObject(index(column), OffsetDateTime.class);
            return t == null ? null : t.toInstant().toEpochMilli();
        } catch (SQLException | ArithmeticException e) {
            throw new BadChangeEvent("column " + column + " is not a timestamp with time zone: " + e.getMessage());
        }
    }
}
