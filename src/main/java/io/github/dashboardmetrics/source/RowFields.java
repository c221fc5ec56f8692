package io.github.dashboardmetrics.source;

/** Typed access to the columns of one row image, whatever its encoding. */
public interface RowFields {
    /** A column as text (uuid, varchar, or a number rendered as text); null when absent or NULL. */
    String text(String column) throws BadChangeEvent;

    /** A column that must be present and non-null. */
    default String requiredText(String column) throws BadChangeEvent {
        String v = text(column);
        if (v == null) {
            throw new BadChangeEvent("column " + column + " is missing or null");
        }
        return v;
    }

    /** An integer column (bigint, int); null when absent or NULL. */
    Long longValue(String column) throws BadChangeEvent;

    /** A double precision or integer column; null when absent or NULL. */
    Double doubleValue(String column) throws BadChangeEvent;

    /** A timestamptz column as epoch millis; null when absent or NULL. */
    Long timestampMillis(String column) throws BadChangeEvent;
}
