package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.state.RowState;
import io.github.dashboardmetrics.state.StateBytes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackend;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TRUNCATEs one subtask of a {@link RowKeepingOperator} is still applying, and the walks that
 * apply them: each walk visits the keys of its table's row state and, with the key context on
 * each, lets the operator retract the row if it was last changed before the TRUNCATE.
 *
 * <p>A walk runs in slices of {@code keysPerSlice} keys on the task thread, each slice a
 * processing-time callback, which Flink runs as a mail of the task's mailbox: records and
 * checkpoint barriers are processed between two slices, so a TRUNCATE of a table with millions
 * of rows neither stops the stream nor holds a checkpoint back for the whole walk. The walk
 * visiting a key and a change reaching that key first do exactly the same (see
 * {@link #applyPending}), so it does not matter which comes first, and a key the walk has
 * already visited is past the TRUNCATE (its row gone or changed after it): visiting it again
 * retracts nothing. That is what makes restarting a walk from its first key harmless.
 *
 * <p>Walks are operator state ({@value #STATE_NAME}, union list: on a restore with another
 * parallelism the keys move between subtasks, so every subtask walks every TRUNCATE that any
 * subtask had not finished). A restored walk starts again from the first key. A newer TRUNCATE of
 * a table whose walk is in progress replaces the walk's position and restarts it from the first
 * key: the keys it had visited may hold rows changed between the two TRUNCATEs. Walks of
 * different tables run one after the other.
 *
 * <p>State format of a walk: {@code byte(format) varLong(table code) varLong(position)
 * signedVarLong(sourceTsMs)}.
 */
final class TruncateWalks {
    private static final Logger LOG = LoggerFactory.getLogger(TruncateWalks.class);

    /** Operator state of the walks not finished at a checkpoint. Part of the savepoint contract. */
    static final String STATE_NAME = "truncate-walks";
    static final ListStateDescriptor<byte[]> STATE =
            new ListStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /**
     * Milliseconds from the end of one slice to the next (Flink's timers fire one more
     * millisecond later): the records and barriers that arrived meanwhile go first. A mail put
     * straight back into the mailbox would let one record through between slices (the task reads
     * its input in batches only while no mail waits). Not zero, so that a test harness's clock
     * runs one slice per advance.
     */
    private static final long PAUSE_MS = 1;

    /** What a walk does to the rows of the operator it walks. */
    interface Rows {
        /** The keyed value state holding {@code table}'s rows here, or null when the operator keeps none. */
        String stateOf(RowKind table);

        /**
         * With the key context on a key of {@code table}'s state: retracts its row if it was last
         * changed before {@code position}; whether it did.
         */
        boolean truncate(RowKind table, long position, long sourceTsMs) throws Exception;
    }

    /** One TRUNCATE being applied. */
    private static final class Walk {
        final RowKind table;
        long position;
        long sourceTsMs;
        long startedNanos = System.nanoTime();
        long keysVisited;
        long rowsRetracted;
        /** Slices that visited its keys, and the time they took. */
        long slices;
        long walkingNanos;

        Walk(RowKind table, long position, long sourceTsMs) {
            this.table = table;
            this.position = position;
            this.sourceTsMs = sourceTsMs;
        }
    }

    private final AbstractStreamOperator<?> operator;
    private final Rows rows;
    private final int keysPerSlice;
    private final ListState<byte[]> saved;
    private final String subtask;
    /** By table, in the order they are walked: the first one is in progress. */
    private final Map<RowKind, Walk> pending = new LinkedHashMap<>();
    /** The keys of the first walk still to visit; null until its first slice. */
    private Iterator<String> keys;
    /** The open RocksDB iterator behind {@link #keys}, to close; null on other backends. */
    private Stream<String> openKeys;
    private ScheduledFuture<?> nextSlice;
    private Counter keysWalked;

    /**
     * @param saved the operator's {@link #STATE} (union list), restored
     * @param subtask how the log names this subtask
     */
    TruncateWalks(AbstractStreamOperator<?> operator, Rows rows, int keysPerSlice, ListState<byte[]> saved,
            String subtask) throws Exception {
        if (keysPerSlice < 1) {
            throw new IllegalArgumentException("keysPerSlice must be >= 1");
        }
        this.operator = operator;
        this.rows = rows;
        this.keysPerSlice = keysPerSlice;
        this.saved = saved;
        this.subtask = subtask;
        for (byte[] value : saved.get()) {
            StateBytes.Reader r = RowState.reader(value);
            Walk w = new Walk(RowKind.ofCode((int) r.varLong()), r.varLong(), r.signedVarLong());
            Walk known = pending.get(w.table);
            if (known == null || known.position < w.position) {
                pending.put(w.table, w);
            }
        }
    }

    /** Registers the metrics and resumes restored walks; the operator's keyed states are registered by now. */
    void open(MetricGroup metrics) {
        MetricGroup group = JobMetrics.of(metrics);
        group.gauge(JobMetrics.TRUNCATE_WALKS_IN_PROGRESS, pending::size);
        keysWalked = group.counter(JobMetrics.TRUNCATE_KEYS_WALKED);
        for (Walk w : pending.values()) {
            LOG.info("TRUNCATE of {} at lsn {}: restored before its walk ended; walking {} again from its first key",
                    w.table.tableName(), w.position, subtask);
        }
        schedule();
    }

    /**
     * A TRUNCATE of {@code table} (one this operator keeps) at {@code position}, newer than any
     * before it: starts its walk, or restarts the walk in progress with the new position. A
     * TRUNCATE without a position ({@link Long#MAX_VALUE}; Debezium's PostgreSQL connector always
     * gives one) cannot be told from the changes after it by position, so it is walked to its end
     * at once, as it arrives.
     */
    void start(RowKind table, long position, long sourceTsMs) throws Exception {
        Walk w = pending.get(table);
        if (w == null) {
            pending.put(table, new Walk(table, position, sourceTsMs));
            LOG.info("TRUNCATE of {} {}: walking its rows on {}, {} keys a slice", table.tableName(),
                    at(position), subtask, keysPerSlice);
        } else {
            LOG.info("TRUNCATE of {} at lsn {} while the walk of the one at lsn {} is in progress: restarting it"
                    + " from its first key on {}", table.tableName(), position, w.position, subtask);
            w.position = position;
            w.sourceTsMs = sourceTsMs;
            if (w == first()) {
                closeKeys();
            }
        }
        if (position == Long.MAX_VALUE) {
            walk(Long.MAX_VALUE);
        }
        schedule();
    }

    /**
     * Before a record changes the current key of {@code table}: applies a pending TRUNCATE of that
     * table to it first, exactly as the walk would (which then finds nothing left to retract).
     */
    void applyPending(RowKind table) throws Exception {
        Walk w = pending.isEmpty() ? null : pending.get(table);
        if (w != null && rows.truncate(table, w.position, w.sourceTsMs)) {
            w.rowsRetracted++;
        }
    }

    /** Whether a TRUNCATE is still being applied here (the rows it has not reached still count). */
    boolean inProgress() {
        return !pending.isEmpty();
    }

    /** Walks what is pending to its end: at the end of the input, nothing may be left half applied. */
    void walkToEnd() throws Exception {
        walk(Long.MAX_VALUE);
    }

    void snapshot() throws Exception {
        List<byte[]> values = new ArrayList<>(pending.size());
        for (Walk w : pending.values()) {
            values.add(new StateBytes.Writer().byteValue(RowState.FORMAT).varLong(w.table.code()).varLong(w.position)
                    .signedVarLong(w.sourceTsMs).toBytes());
        }
        saved.update(values);
    }

    /** Releases the open key iterator (RocksDB's must be closed before its database is). */
    void close() {
        if (nextSlice != null) {
            nextSlice.cancel(false);
        }
        closeKeys();
    }

    private void schedule() {
        if (nextSlice == null && !pending.isEmpty()) {
            ProcessingTimeService time = operator.getProcessingTimeService();
            nextSlice = time.registerTimer(time.getCurrentProcessingTime() + PAUSE_MS, now -> slice());
        }
    }

    private void slice() throws Exception {
        nextSlice = null;
        walk(keysPerSlice);
        schedule();
    }

    /** Visits up to {@code budget} keys of the pending walks, in order. */
    private void walk(long budget) throws Exception {
        Object keyBefore = operator.getCurrentKey();
        try {
            while (budget > 0 && !pending.isEmpty()) {
                Walk w = first();
                long sliceStarted = System.nanoTime();
                if (keys == null) {
                    keys = openKeys(w.table);
                }
                while (budget > 0 && keys.hasNext()) {
                    operator.setCurrentKey(keys.next());
                    if (rows.truncate(w.table, w.position, w.sourceTsMs)) {
                        w.rowsRetracted++;
                    }
                    w.keysVisited++;
                    keysWalked.inc();
                    budget--;
                }
                w.slices++;
                w.walkingNanos += System.nanoTime() - sliceStarted;
                if (!keys.hasNext()) {
                    closeKeys();
                    pending.remove(w.table);
                    LOG.warn("TRUNCATE of {} {}: retracted the {} rows of it {} held ({} keys visited by the walk"
                            + " in {} ms, {} ms of it in {} slices)", w.table.tableName(), at(w.position),
                            w.rowsRetracted, subtask, w.keysVisited, (System.nanoTime() - w.startedNanos) / 1_000_000,
                            w.walkingNanos / 1_000_000, w.slices);
                }
            }
        } finally {
            if (keyBefore != null) {
                operator.setCurrentKey(keyBefore);
            }
        }
    }

    private static String at(long position) {
        return position == Long.MAX_VALUE ? "without a position (walked at once)" : "at lsn " + position;
    }

    private Walk first() {
        return pending.values().iterator().next();
    }

    /**
     * The keys of {@code table}'s row state. On RocksDB they are read lazily, slice by slice,
     * from one iterator: it reads the snapshot of the database taken when it was opened, so the
     * rows the slices clear or write meanwhile do not disturb it (keys written after it opened
     * are not seen, and need not be: they were changed after the TRUNCATE). The heap backend's
     * iteration is a live view of its maps that changes under it, so there the keys are copied
     * into a list when the walk starts: references only, and one pass over the table's keys. Any
     * other backend (a wrapper such as the changelog backend) is treated like the heap.
     */
    private Iterator<String> openKeys(RowKind table) {
        KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
        Stream<String> stream = backend.getKeys(rows.stateOf(table), VoidNamespace.INSTANCE);
        if (backend instanceof RocksDBKeyedStateBackend) {
            openKeys = stream;
            return stream.iterator();
        }
        try (stream) {
            return stream.toList().iterator();
        }
    }

    private void closeKeys() {
        keys = null;
        if (openKeys != null) {
            openKeys.close();
            openKeys = null;
        }
    }
}
