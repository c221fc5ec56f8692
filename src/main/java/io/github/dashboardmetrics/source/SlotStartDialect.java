package io.github.dashboardmetrics.source;

import io.debezium.connector.postgresql.SourceInfo;
import io.debezium.jdbc.JdbcConnection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink CDC's PostgreSQL dialect, with the start of a stream from the slot's committed position
 * ({@code --startup committed}, after a bootstrap) placed at the slot's restart point instead of
 * its confirmed position. PostgreSQL streams the same either way: only the transactions that
 * commit after the confirmed position, whole (a requested start before it is moved up to it). But
 * Flink CDC drops every change whose own position lies before the stream's start, and a
 * transaction that began before the bootstrap's consistent point and committed after it has such
 * changes: counted nowhere, as the exported snapshot does not hold them either. The restart point
 * lies before every change PostgreSQL still has to send, so nothing is dropped.
 */
final class SlotStartDialect extends PostgresDialect {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SlotStartDialect.class);

    SlotStartDialect(PostgresSourceConfig sourceConfig) {
        super(sourceConfig);
    }

    @Override
    public Offset displayCommittedOffset(JdbcSourceConfig sourceConfig) {
        PostgresOffset confirmed = (PostgresOffset) super.displayCommittedOffset(sourceConfig);
        long restart;
        try (JdbcConnection jdbc = openJdbcConnection(sourceConfig)) {
            restart = jdbc.prepareQueryAndMap(
                    "SELECT restart_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = ?",
                    ps -> ps.setString(1, getSlotName()),
                    rs -> rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1L);
        } catch (SQLException e) {
            throw new FlinkRuntimeException("cannot read the restart point of replication slot " + getSlotName(), e);
        }
        if (restart < 0) {
            // The preflight refused this before the job started; the slot went away since.
            throw new FlinkRuntimeException("replication slot " + getSlotName() + " does not exist (any more):"
                    + " streaming from its committed position is not possible");
        }
        LOG.info("Streaming from replication slot {}: its confirmed position is {}, the stream starts at its restart"
                + " point {} so that transactions straddling the confirmed position keep every change", getSlotName(),
                confirmed.getLsn(), io.debezium.connector.postgresql.connection.Lsn.valueOf(restart));
        Map<String, String> offset = new HashMap<>(confirmed.getOffset());
        offset.put(SourceInfo.LSN_KEY, Long.toString(Math.min(restart, confirmed.getLsn().asLong())));
        return PostgresOffset.of(offset);
    }
}
