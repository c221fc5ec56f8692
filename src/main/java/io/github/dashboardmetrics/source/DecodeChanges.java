package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stateless: Debezium JSON in, {@link RowChange} out. Messages that are not row changes of a
 * captured table are skipped; unreadable ones are logged with their reason and counted
 * ({@code dashboard_metrics.bad_change_events}), and never stop the job. Row changes are counted
 * per source table ({@code dashboard_metrics.source_table.changes_read}).
 */
public class DecodeChanges extends ProcessFunction<String, RowChange> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeChanges.class);
    private static final int MAX_LOGGED_PAYLOAD = 2_000;

    private final DebeziumDecoder decoder = new DebeziumDecoder();
    private transient Counter badEvents;
    /** Registered for every source table up front, so that dashboards see 0 rather than nothing. */
    private transient Map<RowKind, Counter> changesRead;

    @Override
    public void open(Configuration parameters) {
        badEvents = JobMetrics.of(getRuntimeContext().getMetricGroup()).counter(JobMetrics.BAD_CHANGE_EVENTS);
        changesRead = new EnumMap<>(RowKind.class);
        for (RowKind kind : RowKind.values()) {
            if (kind.isSourceTable()) {
                changesRead.put(kind, JobMetrics.ofSourceTable(getRuntimeContext().getMetricGroup(), kind.tableName())
                        .counter(JobMetrics.CHANGES_READ));
            }
        }
    }

    @Override
    public void processElement(String message, Context ctx, Collector<RowChange> out) {
        try {
            RowChange change = decoder.decode(message);
            if (change != null) {
                changesRead.get(change.kind).inc();
                out.collect(change);
            }
        } catch (BadChangeEvent e) {
            badEvents.inc();
            String shown = message.length() > MAX_LOGGED_PAYLOAD ? message.substring(0, MAX_LOGGED_PAYLOAD) + "..." : message;
            LOG.warn("Skipping unreadable change event ({}): {}", e.getMessage(), shown);
        }
    }
}
