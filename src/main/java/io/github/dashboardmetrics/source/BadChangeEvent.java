package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;

/**
 * A message that cannot be applied as a row change: the reason says why. Whatever the decoder
 * could still read of it travels along, for the dead-letter table and for the retraction of the
 * row's earlier image.
 */
public class BadChangeEvent extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean invalidRow;
    private String table;
    private String position;
    private RowChange retraction;

    public BadChangeEvent(String reason) {
        this(reason, false);
    }

    private BadChangeEvent(String reason, boolean invalidRow) {
        super(reason);
        this.invalidRow = invalidRow;
    }

    /**
     * A well-formed image of a row the source database really holds in this state (a value outside
     * {@link io.github.dashboardmetrics.change.RowValidity}, a NOT NULL column missing because it
     * was dropped): the row must stop counting. Other bad events (wrong types, unreadable values)
     * cannot come from PostgreSQL through Debezium; they are dropped and the row keeps its last
     * good image.
     */
    static BadChangeEvent invalidRow(String reason) {
        return new BadChangeEvent(reason, true);
    }

    /** Whether the event describes a row that is invalid in the source (see {@link #invalidRow}). */
    boolean isInvalidRow() {
        return invalidRow;
    }

    /** Adds what is known of the event: its table and its position in the change stream (either may be null). */
    BadChangeEvent at(String table, String position) {
        this.table = table;
        this.position = position;
        return this;
    }

    /** The delete that takes the row's earlier image out, when the event named a row but its image is invalid. */
    BadChangeEvent retracting(RowChange retraction) {
        this.retraction = retraction;
        return this;
    }

    /** The source table the event names, or null. */
    public String table() {
        return table;
    }

    /** The event's position (WAL position and transaction), or null. */
    public String position() {
        return position;
    }

    /** The delete of the row the invalid image belongs to, or null when no row can be named. */
    public RowChange retraction() {
        return retraction;
    }
}
