package io.github.dashboardmetrics.source;

import java.util.UUID;

/**
 * A row image whose columns come as Java objects, typed the way Debezium's connector delivers
 * them (uuid and varchar as text, integers, doubles): the rules shared by {@link StructRowFields}
 * (the change stream) and {@link JdbcRowFields} (a bootstrap's bulk read), so that both read a row
 * alike. A subclass gives the raw value of a column, and reads timestamps its own way.
 */
abstract class TypedRowFields implements RowFields {
    /** The column's value as delivered; null when absent or NULL. */
    abstract Object value(String column) throws BadChangeEvent;

    @Override
    public String text(String column) throws BadChangeEvent {
        Object v = value(column);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof UUID || v instanceof Number) {
            return v.toString();
        }
        throw new BadChangeEvent("column " + column + " is not text");
    }

    @Override
    public Long longValue(String column) throws BadChangeEvent {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            return ((Number) v).longValue();
        }
        throw new BadChangeEvent("column " + column + " is not an integer");
    }

    @Override
    public Double doubleValue(String column) throws BadChangeEvent {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Double || v instanceof Float || v instanceof Long || v instanceof Integer) {
            return ((Number) v).doubleValue();
        }
        throw new BadChangeEvent("column " + column + " is not a number");
    }
}
