package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;

/**
 * A message that cannot be applied as a row change: the reason says why. Whatever the decoder
 * could still read of it travels along, for the dead-letter table and for the retraction of the
 * row's earlier image.
 */
public class BadChangeEvent extends Exception {
    private static final long serialVersionUID = 1L;

    private String table;
    private String position;
    private RowChange retraction;

    public BadChangeEvent(String reason) {
        super(reason);
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
