package io.github.dashboardmetrics.source;

/**
 * A change event the job could not apply, kept for people to look at: the raw message, why it
 * was refused, what the job did instead, and where it came from.
 */
public class DeadLetter {
    /** The job dropped the event: it named no row that could be taken out. */
    public static final String DROPPED = "dropped";
    /** The event named a row whose new image is invalid: the row's earlier image was retracted. */
    public static final String ROW_RETRACTED = "row retracted";
    /** A rollup row the database refused to store (a constraint, a trigger, a value out of range): not written. */
    public static final String NOT_WRITTEN = "not written";

    /** The message exactly as the source delivered it. */
    public String payload;
    public String reason;
    /** {@link #DROPPED}, {@link #ROW_RETRACTED} or {@link #NOT_WRITTEN}. */
    public String action;
    /** The source table the event names, or null when unreadable. */
    public String sourceTable;
    /** Where the event came from: WAL position and transaction, and the Kafka topic/partition@offset; null when unknown. */
    public String sourcePosition;
    /** When the job refused it, epoch millis. */
    public long detectedAtMs;

    public DeadLetter() {}

    public DeadLetter(String payload, String reason, String action, String sourceTable, String sourcePosition,
            long detectedAtMs) {
        this.payload = payload;
        this.reason = reason;
        this.action = action;
        this.sourceTable = sourceTable;
        this.sourcePosition = sourcePosition;
        this.detectedAtMs = detectedAtMs;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ", " + action + ", table=" + sourceTable + ", at " + sourcePosition + "}";
    }
}
