package io.github.dashboardmetrics.state;

import io.github.dashboardmetrics.change.RowChange;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the operators that keep source rows (the normaliser, the file execution and execution
 * joins) share: the format version of their values, the TRUNCATE positions, and the positions of
 * deleted rows, which are kept for a bounded time only.
 *
 * <p>A deleted row (or one that contributes to nothing) keeps only its {@link RowPositions}, so
 * that a redelivered or late older change of it is still recognised and dropped. Those positions
 * expire {@code deletedRowHorizon} after the delete (state TTL, cleaned in full snapshots,
 * incrementally on the heap backend and by RocksDB's compaction filter): redeliveries come within
 * minutes (Kafka Connect's offset flush) and the snapshot/stream overlap within the snapshot, so
 * the default of a day is ample; an older change of a deleted row arriving later than that would
 * bring the row back.
 */
public final class RowState {
    /** The first byte of every row value: the layout of what follows. */
    public static final int FORMAT = 1;
    public static final Duration DEFAULT_DELETED_ROW_HORIZON = Duration.ofDays(1);

    /** Per table (kind name): the position of its latest TRUNCATE. */
    public static final MapStateDescriptor<String, Long> TRUNCATIONS =
            new MapStateDescriptor<>("truncations", Types.STRING, Types.LONG);

    private RowState() {}

    /** A value state of row bytes. */
    public static ValueStateDescriptor<byte[]> rows(String name) {
        return new ValueStateDescriptor<>(name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** The positions of deleted rows, expiring {@code horizon} after they were written. */
    public static ValueStateDescriptor<byte[]> deleted(String name, Duration horizon) {
        ValueStateDescriptor<byte[]> d = rows(name);
        d.enableTimeToLive(ttl(horizon));
        return d;
    }

    /**
     * Rows and sums whose buckets are all past every tier's retention change nothing the job
     * writes (the rollup ignores deltas for them), so they may leave the state: when every tier's
     * retention is finite, state written {@code longest retention + 1 day} ago expires. A row is
     * written when it or one of its children changes, and its time (created_at) is not after that
     * write, so by then its buckets are past every horizon. With unlimited monthly retention (the
     * default) nothing expires. A row whose time lies more than a day in the future of its last
     * change could expire while its buckets are still kept (see docs).
     */
    public static <T extends StateDescriptor<?, ?>> T expiringWithRetention(T d,
            io.github.dashboardmetrics.rollup.RetentionPolicy retention) {
        int longest = Math.max(retention.hourlyDays(), Math.max(retention.dailyDays(), retention.monthlyDays()));
        boolean allFinite = retention.hourlyDays() > 0 && retention.dailyDays() > 0 && retention.monthlyDays() > 0;
        if (allFinite) {
            d.enableTimeToLive(ttl(Duration.ofDays(longest + 1L)));
        }
        return d;
    }

    private static StateTtlConfig ttl(Duration after) {
        return ttl(after, true);
    }

    private static StateTtlConfig ttl(Duration after, boolean incrementalCleanup) {
        StateTtlConfig.Builder b = StateTtlConfig.newBuilder(after)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupFullSnapshot()
                .cleanupInRocksdbCompactFilter(1000);
        // Without it, disable the background cleanup too: Flink cleans heap state incrementally by default.
        return (incrementalCleanup ? b.cleanupIncrementally(10, false) : b.disableCleanupInBackground()).build();
    }

    /**
     * The same states for a bulk load (a bootstrap's bounded job, whose operators' snapshot is its savepoint):
     * TTL as before, but no incremental cleanup. Nothing a bulk load writes expires while it runs,
     * and on the heap backend that cleanup starts a walk over the state's whole table on every
     * access while the table is small or empty, which is most of a bootstrap (27 % of its CPU
     * samples, BENCHMARKS.md). The cleanup strategy is not part of a savepoint: the streaming job
     * restores the states with its own.
     */
    public static <D extends StateDescriptor<?, ?>> List<D> forBulkLoad(List<D> states) {
        for (D d : states) {
            StateTtlConfig ttl = d.getTtlConfig();
            if (ttl.isEnabled()) {
                d.enableTimeToLive(ttl(ttl.getTimeToLive(), false));
            }
        }
        return states;
    }

    /** The bytes of a deleted row: only its positions. */
    public static byte[] deletedRow(RowPositions positions) {
        StateBytes.Writer w = new StateBytes.Writer().byteValue(FORMAT);
        positions.write(w);
        return w.toBytes();
    }

    /** A reader past the format byte, refusing a format this build does not know. */
    public static StateBytes.Reader reader(byte[] value) {
        StateBytes.Reader r = new StateBytes.Reader(value);
        int format = r.byteValue();
        if (format != FORMAT) {
            throw new IllegalStateException("state value of format " + format + ", this build reads " + FORMAT
                    + ": restore with the build that wrote it, or rebuild (README: upgrades)");
        }
        return r;
    }

    /** Whether a TRUNCATE of the change's table came after it: then the row is gone already. */
    public static boolean truncatedAfter(RowChange change, ReadOnlyBroadcastState<String, Long> truncations)
            throws Exception {
        if (change.lsn < 0) {
            return false;
        }
        Long truncatedAt = truncations.get(change.kind.name());
        return truncatedAt != null && change.lsn < truncatedAt;
    }

    /**
     * Records a TRUNCATE; returns its position, or null when it is a redelivered one. Without a
     * position (never from Debezium's PostgreSQL connector) it empties what was seen so far.
     */
    public static Long recordTruncate(RowChange truncate, BroadcastState<String, Long> truncations) throws Exception {
        String table = truncate.kind.name();
        Long known = truncations.get(table);
        long at = truncate.lsn < 0 ? Long.MAX_VALUE : truncate.lsn;
        if (known != null && known >= at) {
            return null;
        }
        if (truncate.lsn >= 0) {
            truncations.put(table, at);
        }
        return at;
    }
}
