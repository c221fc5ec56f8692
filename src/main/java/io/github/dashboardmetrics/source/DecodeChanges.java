package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stateless: change messages in, {@link RowChange}s out. Messages without a row change
 * (heartbeats, tombstones) are skipped. Every other message that cannot be applied never stops
 * the job: it is logged in one line, counted ({@code dashboard_metrics.bad_change_events}) and
 * sent to the {@link #DEAD_LETTERS} side output; when it names a row whose new image is invalid,
 * the row's earlier image is retracted as well. Row changes are counted per source table
 * ({@code dashboard_metrics.source_table.changes_read}); values outside Unstract's documented
 * domains are applied, counted and reported once ({@link UnrecognisedValues}).
 */
public class DecodeChanges extends ProcessFunction<ChangeMessage, RowChange> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeChanges.class);
    private static final int MAX_LOGGED_PAYLOAD = 500;

    /** The events the job refused, for the dead-letter table. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final DebeziumDecoder decoder = new DebeziumDecoder();
    private transient Counter badEvents;
    private transient Counter unrecognised;
    private transient UnrecognisedValues unrecognisedValues;
    /** Registered for every source table up front, so that dashboards see 0 rather than nothing. */
    private transient Map<RowKind, Counter> changesRead;

    @Override
    public void open(Configuration parameters) {
        badEvents = JobMetrics.of(getRuntimeContext().getMetricGroup()).counter(JobMetrics.BAD_CHANGE_EVENTS);
        unrecognised = JobMetrics.of(getRuntimeContext().getMetricGroup()).counter(JobMetrics.UNRECOGNISED_VALUES);
        unrecognisedValues = new UnrecognisedValues();
        changesRead = new EnumMap<>(RowKind.class);
        for (RowKind kind : RowKind.values()) {
            changesRead.put(kind, JobMetrics.ofSourceTable(getRuntimeContext().getMetricGroup(), kind.tableName())
                    .counter(JobMetrics.CHANGES_READ));
        }
    }

    @Override
    public void processElement(ChangeMessage message, Context ctx, Collector<RowChange> out) {
        try {
            RowChange change = message.decoded != null ? message.decoded : decoder.decode(message.value);
            if (change != null) {
                if (message.position != null) {
                    change.sourcePosition = message.position; // a change just decoded, seen by no one yet
                }
                changesRead.get(change.kind).inc();
                if (change.after != null) {
                    unrecognisedValues.check(change.after, unrecognised::inc, seen -> LOG.warn(
                            "{}.{} has a value the metrics do not know: '{}' (applied as any other value the rules"
                                    + " do not name; counted in {}; reported once)",
                            seen.table(), seen.column(), seen.value(), JobMetrics.UNRECOGNISED_VALUES));
                }
                out.collect(change);
            }
        } catch (BadChangeEvent e) {
            DeadLetter letter = deadLetter(message, e, System.currentTimeMillis());
            if (e.retraction() != null) {
                out.collect(e.retraction());
            }
            badEvents.inc();
            ctx.output(DEAD_LETTERS, letter);
            LOG.warn("Dead letter ({}; {}; table {}; at {}): {}", letter.reason, letter.action, letter.sourceTable,
                    letter.sourcePosition, shortened(message.value));
        }
    }

    /** The dead letter of a refused message: the message's own position and the event's, both when present. */
    static DeadLetter deadLetter(ChangeMessage message, BadChangeEvent e, long nowMs) {
        String position = message.position == null ? e.position()
                : e.position() == null ? message.position : message.position + " " + e.position();
        return new DeadLetter(message.value == null ? "" : message.value, e.getMessage(),
                e.retraction() != null ? DeadLetter.ROW_RETRACTED : DeadLetter.DROPPED, e.table(), position, nowMs);
    }

    private static String shortened(String value) {
        if (value == null) {
            return "";
        }
        return value.length() > MAX_LOGGED_PAYLOAD ? value.substring(0, MAX_LOGGED_PAYLOAD) + "..." : value;
    }
}
