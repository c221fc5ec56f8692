package io.github.dashboardmetrics.sink;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.CacheInvalidator;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import io.github.dashboardmetrics.source.PositionMark;
import io.github.dashboardmetrics.util.DaemonThreads;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Either;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one committer of the rollup tables (parallelism 1): every rollup row of the three tiers,
 * from every rollup subtask (input 1); on input 2 the source position of every decode subtask
 * ({@link SourcePositionTracker}, left) and the ids of the checkpoints whose barrier came while an
 * operator that keeps rows was applying a TRUNCATE (right: {@code RowKeepingOperator#WALKING_AT_BARRIER}).
 *
 * <p>Both inputs emit at checkpoint barriers, so with aligned checkpoints what reaches this
 * operator before barrier N is exactly the rollup of the input before barrier N: a consistent
 * cut. At barrier N ({@link #snapshotState}) it stages what came since barrier N-1 (the last row
 * per bucket: rows are absolute) in its operator state; when checkpoint N completes
 * ({@link #notifyCheckpointComplete}; right after a slow commit, a later completion: see
 * {@link #PAUSE_AFTER_COMMIT}) it commits everything staged up to N in ONE transaction
 * ({@link CommitStatement}: upserts in place and deletes for the three tables, sorted by key,
 * plus the {@link ProgressTable} row). A crash between completion and commit loses nothing: the
 * restored state still holds what was staged, and {@link #open} commits it again (absolute
 * values: committing twice is harmless).
 *
 * <p>Never a TRUNCATE half applied: a TRUNCATE is applied by walks over the rows kept, in slices
 * between records, over several checkpoints. A checkpoint whose barrier came during a walk is
 * staged but never committed alone: the commit waits for a later checkpoint taken after every
 * walk ended, and commits everything up to it in one transaction (the TRUNCATE whole, with all
 * that changed meanwhile). Which staged checkpoints came during a walk is operator state
 * ({@code walking-checkpoints}), so the hold survives a restore.
 *
 * <p>Never backwards: after a restore it reads the committed position from the progress table;
 * while the restored stream has not reached it (an older savepoint or checkpoint), it commits
 * nothing and keeps merging what it stages, so the tables jump from the newer committed state to
 * a later one, never back to an older one.
 *
 * <p>Unstract's cached dashboard hours (optional) are deleted in Redis after the commit, and once
 * more {@link CacheInvalidation#invalidateAgainMs()} later, on a thread of their own: Redis never holds a commit up.
 */
public class RollupCommitter extends AbstractStreamOperator<Void>
        implements TwoInputStreamOperator<RollupRow, Either<SourceProgress, Long>, Void> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = LoggerFactory.getLogger(RollupCommitter.class);
    /** Shown in {@code pg_stat_activity} (at most 63 characters). */
    public static final String APPLICATION_NAME = "dashboard-metrics event_metrics_* committer";
    /** Input 2: a source position (left), or the id of a checkpoint whose barrier came during a TRUNCATE's walk (right). */
    public static final TypeInformation<Either<SourceProgress, Long>> SIGNALS =
            new EitherTypeInfo<>(TypeInformation.of(SourceProgress.class), Types.LONG);
    /** Operator state: the ids of the staged checkpoints whose barrier came during a TRUNCATE's walk. */
    static final String WALKING_CHECKPOINTS = "walking-checkpoints";

    /**
     * After a commit that took {@code d}, the next one waits until {@code PAUSE_AFTER_COMMIT * d}
     * has passed (the checkpoints in between are merged into it): the database spends at most a
     * third of the time on the job's commits. A commit of a few changed buckets takes milliseconds
     * and never waits past the next checkpoint; the commits of the initial snapshot or of a
     * catch-up, which rewrite most buckets each time, come less often and rewrite each bucket fewer
     * times. Measured with {@code bench --profile quick} on 2 cores: at 500 ms checkpoints the
     * snapshot wrote every rollup row 5.5 times, and PostgreSQL used more CPU than the job.
     */
    public static final double PAUSE_AFTER_COMMIT = 2.0;

    /**
     * The pause after a commit ({@link #PAUSE_AFTER_COMMIT}) is at most this long per row the
     * commit wrote. The pause is for commits that are slow because they write much (PostgreSQL
     * takes about 40 µs a rollup row, most of it the tables' indexes): a commit that was slow
     * because it waited (on a lock another session held on a rollup table or on organization, on
     * a stalled server, on its retries) wrote little, and must not hold the tables still for twice
     * that wait again once it is through. Found under the demo: after a session held an EXCLUSIVE
     * lock on organization for about a minute, the tables stood still for two more.
     */
    public static final double MAX_PAUSE_PER_ROW_MS = 1.0;

    /**
     * With position marks on ({@link Settings#markSourcePosition}), a checkpoint's completion that
     * commits nothing still writes a mark when the last one is this old: a mark alone, in a
     * transaction of its own. Why: PostgreSQL moves a slot's restart point (where a restarted
     * stream decodes from, and the oldest WAL it keeps) only past a running-transactions record
     * that the stream has read and confirmed. An idle stream confirms nothing, so after a large
     * snapshot the restart point stayed where the snapshot's commits began, and a restart decoded
     * all of their WAL again, twice (Debezium searches its resume position, then filters up to
     * it): 16 + 9 s of a 34 s {@code restore_s} (BENCHMARKS.md). One tiny WAL record every 10 s
     * of an idle job lets the stream pass the next such record, which PostgreSQL writes every 15 s
     * while there is WAL activity, so that the restart point (and the oldest WAL the slot keeps)
     * follows an idle job. The benchmark's restart, about 30 s after the snapshot, was not faster
     * with them yet.
     */
    public static final long IDLE_MARK_INTERVAL_MS = 10_000;

    /**
     * @param cacheInvalidation Unstract's Redis, whose cached hours to delete after a commit; null: off
     * @param pauseAfterCommit see {@link #PAUSE_AFTER_COMMIT}; 0: commit at every completed checkpoint
     * @param markSourcePosition end every commit with a position mark in the WAL ({@link PositionMark}):
     *     the rollup tables live in the database the job streams from
     */
    public record Settings(DatabaseTarget target, boolean guardOrganization, int maxRetries,
            CacheInvalidation cacheInvalidation, double pauseAfterCommit, boolean markSourcePosition)
            implements Serializable {
        public Settings {
            Objects.requireNonNull(target, "target");
            if (maxRetries < 0) {
                throw new IllegalArgumentException("retries must be >= 0");
            }
            if (!(pauseAfterCommit >= 0)) {
                throw new IllegalArgumentException("the pause after a commit must be >= 0");
            }
        }

        public Settings(DatabaseTarget target, boolean guardOrganization, int maxRetries,
                CacheInvalidation cacheInvalidation, double pauseAfterCommit) {
            this(target, guardOrganization, maxRetries, cacheInvalidation, pauseAfterCommit, false);
        }

        public Settings(DatabaseTarget target, boolean guardOrganization, int maxRetries,
                CacheInvalidation cacheInvalidation) {
            this(target, guardOrganization, maxRetries, cacheInvalidation, PAUSE_AFTER_COMMIT, false);
        }
    }

    /** A staged rollup row in the operator state: the checkpoint whose barrier it came before. */
    public static class StagedRow {
        public long checkpointId;
        public RollupRow row;

        public StagedRow() {}

        StagedRow(long checkpointId, RollupRow row) {
            this.checkpointId = checkpointId;
            this.row = row;
        }
    }

    /** The source position at a staged checkpoint's barrier (running totals). */
    public static class StagedPosition {
        public long checkpointId;
        public SourceProgress position;

        public StagedPosition() {}

        StagedPosition(long checkpointId, SourceProgress position) {
            this.checkpointId = checkpointId;
            this.position = position;
        }
    }

    private record Key(Granularity granularity, long orgId, String metricName, long bucketStart) {
        static Key of(RollupRow row) {
            return new Key(row.granularity, row.orgId, row.metricName, row.bucketStart);
        }

        /** Written out: every staged row is hashed several times (the record's generated one was 6 % of the samples at 10M rows). */
        @Override
        public int hashCode() {
            int h = granularity.ordinal();
            h = 31 * h + Long.hashCode(orgId);
            h = 31 * h + metricName.hashCode();
            return 31 * h + Long.hashCode(bucketStart);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.orgId == orgId && k.bucketStart == bucketStart && k.granularity == granularity
                    && k.metricName.equals(metricName);
        }
    }

    /** Lock order of the writes: by table, organisation, metric, bucket. */
    private static final Comparator<RollupRow> KEY_ORDER = Comparator.<RollupRow>comparingInt(r -> r.granularity.ordinal())
            .thenComparingLong(r -> r.orgId).thenComparing(r -> r.metricName).thenComparingLong(r -> r.bucketStart);

    /**
     * What one checkpoint's barrier closed: its rows (last per bucket), the position then, and
     * whether a TRUNCATE was being applied then (its state shows the TRUNCATE partly applied).
     */
    private record Staged(Map<Key, RollupRow> rows, SourceProgress position, boolean walking) {}

    private final Settings settings;

    private transient ListState<StagedRow> stagedRowsState;
    private transient ListState<StagedPosition> stagedPositionsState;
    private transient ListState<SourceProgress> positionState;
    private transient ListState<Long> walkingCheckpointsState;

    /** Rows since the last barrier, last per bucket. */
    private transient Map<Key, RollupRow> current;
    /** The running source position, including what came since the last barrier. */
    private transient SourceProgress position;
    /** The position at the last barrier that staged anything (or at start). */
    private transient SourceProgress positionAtLastStage;
    /** A TRUNCATE's walk was in progress at the coming barrier (an upstream operator said so). */
    private transient boolean walkingNow;
    /** Commits are being held for a TRUNCATE's walk (logged when it starts and ends). */
    private transient boolean holdingForWalk;
    /** Checkpoint id -> what its barrier closed, not committed yet. */
    private transient TreeMap<Long, Staged> staged;
    private transient boolean restored;
    /** The position the tables hold (read at start after a restore, then what this operator committed); null: none. */
    private transient ProgressTable.Committed committed;
    private transient boolean holdingBack;
    /** No commit at a checkpoint's completion before this time (see {@link #PAUSE_AFTER_COMMIT}). */
    private transient long nextCommitAtMs;
    /** The input ended (a bounded run): every completed checkpoint commits, the last one included. */
    private transient boolean finishing;
    /** When the last position mark was written (with a commit, or alone: {@link #IDLE_MARK_INTERVAL_MS}). */
    private transient long lastMarkMs;
    private long idleMarkIntervalMs = IDLE_MARK_INTERVAL_MS;
    private double maxPausePerRowMs = MAX_PAUSE_PER_ROW_MS;
    /** The pause the last commit set (ms): until then, completions stage. */
    private transient long lastPauseMs;

    private transient CommitStatement statements;
    private transient BatchTransactionWriter<CommitStatement.Item> writer;
    private transient Map<Granularity, WriterMetrics> metrics;
    private transient Set<Granularity> tablesInFlight;
    private transient CacheInvalidator invalidator;
    private transient DashboardCacheKeys cacheKeys;
    private transient ScheduledExecutorService cacheThread;
    /** Read by the metric reporter's thread. */
    private transient volatile long committedSourceTsMs;
    private transient volatile long committedLsn;

    public RollupCommitter(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        stagedRowsState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("staged-rows", TypeInformation.of(StagedRow.class)));
        stagedPositionsState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("staged-positions", TypeInformation.of(StagedPosition.class)));
        positionState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("position", TypeInformation.of(SourceProgress.class)));
        walkingCheckpointsState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(WALKING_CHECKPOINTS, Types.LONG));
        current = new LinkedHashMap<>();
        staged = new TreeMap<>();
        position = new SourceProgress();
        restored = context.isRestored();
        if (restored) {
            for (SourceProgress p : positionState.get()) {
                position = p;
            }
            Set<Long> walking = new HashSet<>();
            walkingCheckpointsState.get().forEach(walking::add);
            for (StagedPosition p : stagedPositionsState.get()) {
                staged.put(p.checkpointId, new Staged(new LinkedHashMap<>(), p.position, walking.contains(p.checkpointId)));
            }
            for (StagedRow r : stagedRowsState.get()) {
                Staged s = staged.computeIfAbsent(r.checkpointId, id -> new Staged(new LinkedHashMap<>(),
                        new SourceProgress(), walking.contains(id)));
                merge(s.rows(), r.row);
            }
        }
        positionAtLastStage = position;
    }

    @Override
    public void open() throws Exception {
        super.open();
        MetricGroup group = getRuntimeContext().getMetricGroup();
        metrics = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            metrics.put(g, new WriterMetrics(group, g.table()));
        }
        tablesInFlight = EnumSet.noneOf(Granularity.class);
        Counter retries = new RetriesOfTablesInFlight();
        boolean guard = settings.guardOrganization();
        DatabaseTarget target = settings.target();
        statements = new CommitStatement(target.schema(), guard, settings.markSourcePosition());
        writer = new BatchTransactionWriter<>(target, "the rollup tables", statements,
                RollupCommitter::refused, settings.maxRetries(), APPLICATION_NAME, retries, new SimpleCounter());
        committedLsn = -1;
        lastMarkMs = System.currentTimeMillis();
        MetricGroup job = JobMetrics.of(group);
        job.gauge(JobMetrics.COMMITTED_SOURCE_TIME_MS, (Gauge<Long>) () -> committedSourceTsMs);
        job.gauge(JobMetrics.COMMITTED_LSN, (Gauge<Long>) () -> committedLsn);
        CacheInvalidation cache = settings.cacheInvalidation();
        if (cache != null) {
            MetricGroup hourly = JobMetrics.ofRollupTable(group, Granularity.HOURLY.table());
            invalidator = new CacheInvalidator(cache, hourly.counter(JobMetrics.CACHE_KEYS_INVALIDATED),
                    hourly.counter(JobMetrics.CACHE_KEYS_FAILED));
            cacheKeys = cache.keys();
            cacheThread = DaemonThreads.scheduled("dashboard-metrics cache invalidation");
        }
        if (restored) {
            committed = ProgressTable.read(target).orElse(null);
            int rows = staged.values().stream().mapToInt(s -> s.rows().size()).sum();
            LOGGER.info("Rollup committer restored: {} rows staged in {} checkpoints, position {}; the tables hold {}",
                    rows, staged.size(), position, committed == null ? "no committed position" : committed);
            if (committed != null) {
                committedLsn = committed.lsn();
                committedSourceTsMs = committed.sourceTsMs();
            }
            commitUpTo(Long.MAX_VALUE, "restore");
        }
    }

    @Override
    public void processElement1(StreamRecord<RollupRow> element) {
        merge(current, element.getValue());
    }

    @Override
    public void processElement2(StreamRecord<Either<SourceProgress, Long>> element) {
        Either<SourceProgress, Long> signal = element.getValue();
        if (signal.isLeft()) {
            position = position.plus(signal.left());
        } else {
            walkingNow = true;
        }
    }

    /** Adds {@code row}, replacing an earlier row of its bucket; the newer source commit time of the two stays. */
    private static void merge(Map<Key, RollupRow> rows, RollupRow row) {
        Key key = Key.of(row);
        RollupRow previous = rows.get(key);
        if (previous != null && previous.sourceTsMs > row.sourceTsMs) {
            row = new RollupRow(row.granularity, row.orgId, row.metricName, row.metricType, row.bucketStart, row.value,
                    row.count, previous.sourceTsMs);
        }
        rows.put(key, row);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        long checkpointId = context.getCheckpointId();
        // Also staged when only the walk state changed: the first barrier after a walk ended lets
        // the held checkpoints be committed, even if nothing else changed.
        if (!current.isEmpty() || !position.equals(positionAtLastStage) || walkingNow != lastStagedWalking()) {
            staged.put(checkpointId, new Staged(current, position, walkingNow));
            current = new LinkedHashMap<>();
            positionAtLastStage = position;
        }
        walkingNow = false;
        List<StagedRow> rows = new ArrayList<>();
        List<StagedPosition> positions = new ArrayList<>();
        List<Long> walking = new ArrayList<>();
        for (Map.Entry<Long, Staged> s : staged.entrySet()) {
            positions.add(new StagedPosition(s.getKey(), s.getValue().position()));
            if (s.getValue().walking()) {
                walking.add(s.getKey());
            }
            for (RollupRow row : s.getValue().rows().values()) {
                rows.add(new StagedRow(s.getKey(), row));
            }
        }
        stagedRowsState.update(rows);
        stagedPositionsState.update(positions);
        walkingCheckpointsState.update(walking);
        positionState.update(List.of(position));
    }

    /**
     * Whether the newest staged checkpoint came during a walk. What is committed never did, so with
     * nothing staged the last one staged did not either.
     */
    private boolean lastStagedWalking() {
        return !staged.isEmpty() && staged.lastEntry().getValue().walking();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        commitOrStage(checkpointId);
        markIfIdle(); // not after a failed commit: the job fails over with that commit's error
    }

    /** A test's interval between marks of an idle committer ({@link #IDLE_MARK_INTERVAL_MS}). */
    void idleMarkIntervalMs(long ms) {
        idleMarkIntervalMs = ms;
    }

    /** A test's bound on the pause per row written ({@link #MAX_PAUSE_PER_ROW_MS}). */
    void maxPausePerRowMs(double ms) {
        maxPausePerRowMs = ms;
    }

    /** The pause the last commit set, in ms. */
    long lastPauseMs() {
        return lastPauseMs;
    }

    /** Writes a position mark alone when marks are on and none was written for {@link #IDLE_MARK_INTERVAL_MS}. */
    private void markIfIdle() throws IOException, InterruptedException {
        long now = System.currentTimeMillis();
        if (!settings.markSourcePosition() || now - lastMarkMs < idleMarkIntervalMs) {
            return;
        }
        writer.write(List.of(CommitStatement.Item.mark()));
        lastMarkMs = now;
    }

    private void commitOrStage(long checkpointId) throws IOException, InterruptedException {
        if (!finishing && System.currentTimeMillis() < nextCommitAtMs) {
            // Staged until a later checkpoint's completion, which commits it too. What the completed
            // checkpoints staged becomes one entry: every checkpoint until the commit writes each
            // bucket once, not once for every checkpoint in which it changed (at 10M rows the staged
            // rows were written into each checkpoint dozens of times over).
            collapse(checkpointId);
            return;
        }
        commitUpTo(checkpointId, "checkpoint " + checkpointId);
    }

    /** Merges what checkpoints up to {@code checkpointId} staged into one entry, under the newest of them. */
    private void collapse(long checkpointId) {
        SortedMap<Long, Staged> due = staged.headMap(checkpointId, true);
        if (due.size() < 2) {
            return;
        }
        long lastId = due.lastKey();
        Staged last = due.get(lastId);
        Map<Key, RollupRow> merged = null;
        for (Staged s : due.values()) {
            if (merged == null) {
                merged = s.rows(); // the oldest: usually the entry collapsed before, the largest
            } else {
                for (RollupRow row : s.rows().values()) {
                    merge(merged, row);
                }
            }
        }
        due.clear();
        staged.put(lastId, new Staged(merged, last.position(), last.walking()));
    }

    /** Checkpoints whose staged rows are not committed yet (one entry after a collapse). */
    int stagedEntries() {
        return staged.size();
    }

    @Override
    public void finish() throws Exception {
        finishing = true;
        super.finish();
    }

    /**
     * Commits, in one transaction, everything staged up to {@code checkpointId}, or up to the
     * newest staged checkpoint before it that did not come during a TRUNCATE's walk; or holds it back.
     */
    private void commitUpTo(long checkpointId, String why) throws IOException, InterruptedException {
        long upTo = lastWholeUpTo(checkpointId);
        SortedMap<Long, Staged> due = staged.headMap(upTo, true);
        if (due.isEmpty()) {
            return;
        }
        long lastId = due.lastKey();
        SourceProgress at = due.get(lastId).position();
        Map<Key, RollupRow> merged = new LinkedHashMap<>();
        for (Staged s : due.values()) {
            s.rows().values().forEach(row -> merge(merged, row));
        }
        if (committed != null && !at.reaches(committed.lsn())) {
            // The tables already hold a later state: wait until the stream passes it, merging meanwhile.
            if (!holdingBack) {
                LOGGER.info("Rollup committer holding back: the tables hold position lsn={} changes={}, newer than the "
                        + "restored stream's {}; nothing is committed until the stream passes it",
                        ProgressTable.lsnText(committed.lsn()), committed.changes(), at);
                holdingBack = true;
            }
            due.clear();
            staged.put(lastId, new Staged(merged, at, false));
            return;
        }
        if (holdingBack) {
            LOGGER.info("Rollup committer: the stream passed the committed position ({}); committing again", at);
            holdingBack = false;
        }
        due.clear();
        if (merged.isEmpty() && committed != null && committed.lsn() == at.lsn && committed.changes() == at.changes) {
            return; // nothing new: no transaction at all
        }
        List<RollupRow> rows = new ArrayList<>(merged.values());
        rows.sort(KEY_ORDER);
        List<CommitStatement.Item> items = new ArrayList<>(rows.size() + 1);
        tablesInFlight.clear();
        for (RollupRow row : rows) {
            items.add(CommitStatement.Item.of(row));
            tablesInFlight.add(row.granularity);
        }
        items.add(CommitStatement.Item.progress(at, lastId));
        long started = System.currentTimeMillis();
        statements.forgetChanged();
        List<BatchTransactionWriter.Refused<CommitStatement.Item>> refused = writer.write(items);
        if (!refused.isEmpty()) {
            // Dead letters now, in the same transaction: the rest of the commit is in the tables.
            Set<RollupRow> notWritten = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (BatchTransactionWriter.Refused<CommitStatement.Item> r : refused) {
                notWritten.add(r.row().row());
                metrics.get(r.row().row().granularity).writesDeadLettered().inc();
            }
            rows.removeIf(notWritten::contains);
        }
        long now = System.currentTimeMillis();
        lastPauseMs = (long) Math.min(settings.pauseAfterCommit() * (now - started), maxPausePerRowMs * items.size());
        nextCommitAtMs = now + lastPauseMs;
        lastMarkMs = now; // the commit ended with one, when marks are on
        committed = new ProgressTable.Committed(at.lsn, at.changes, at.sourceTsMs);
        committedLsn = at.lsn;
        committedSourceTsMs = at.sourceTsMs;
        Map<Granularity, List<RollupRow>> byTable = new EnumMap<>(Granularity.class);
        for (RollupRow row : rows) {
            byTable.computeIfAbsent(row.granularity, g -> new ArrayList<>()).add(row);
        }
        byTable.forEach((g, tableRows) -> metrics.get(g).committed(tableRows, now));
        if (LOGGER.isDebugEnabled()) {
            LOGGER.debug("Committed {} rollup rows at {} ({})", rows.size(), at, why);
        }
        List<RollupRow> hourly = byTable.getOrDefault(Granularity.HOURLY, List.of());
        invalidateCache(hourly.stream().filter(statements::changed).toList());
    }

    /**
     * The newest staged checkpoint up to {@code checkpointId} whose state has no TRUNCATE partly
     * applied (its barrier came when no walk was in progress), or -1 when there is none. At the end
     * of a bounded input every walk has been walked to its end: then {@code checkpointId} itself.
     */
    private long lastWholeUpTo(long checkpointId) {
        if (finishing) {
            return checkpointId;
        }
        long upTo = -1;
        Long held = null; // the newest checkpoint held for a walk
        for (Map.Entry<Long, Staged> s : staged.headMap(checkpointId, true).descendingMap().entrySet()) {
            if (!s.getValue().walking()) {
                upTo = s.getKey();
                break;
            }
            if (held == null) {
                held = s.getKey();
            }
        }
        if (held != null && !holdingForWalk) {
            LOGGER.info("Rollup committer holding its commits from checkpoint {} on: it came while a TRUNCATE was being"
                    + " applied, and the tables show a TRUNCATE whole, once its walk has ended", held);
        } else if (held == null && holdingForWalk) {
            LOGGER.info("Rollup committer: the TRUNCATE's walk has ended; committing up to checkpoint {}", upTo);
        }
        holdingForWalk = held != null;
        return upTo;
    }

    /**
     * A rollup row the database refuses for good (a trigger, a constraint, a value out of range)
     * becomes a dead letter in the commit's own transaction, so that the rest of the commit lands and
     * the job goes on (a restore would only meet the same refusal again). The progress row has no
     * dead letter: the database refusing it is an error of the setup, and fails the job.
     */
    private static io.github.dashboardmetrics.source.DeadLetter refused(CommitStatement.Item item, String error,
            long detectedAtMs) {
        if (item.isMark()) {
            throw new IllegalStateException("the database refused the position mark " + PositionMark.SQL + ": " + error);
        }
        if (item.row() == null) {
            throw new IllegalStateException("the database refused the row of " + ProgressTable.TABLE
                    + " that records the committed source position: " + error);
        }
        return RollupStatements.refused(item.row(), error, detectedAtMs);
    }

    /** Deletes the cached hours of committed hourly rows now and once more a little later, off the commit path. */
    private void invalidateCache(List<RollupRow> hourly) {
        if (invalidator == null || hourly == null) {
            return;
        }
        Set<String> keys = cacheKeys.staleAfter(hourly);
        if (keys.isEmpty()) {
            return;
        }
        cacheThread.execute(() -> invalidator.invalidate(keys));
        long againMs = settings.cacheInvalidation().invalidateAgainMs();
        if (againMs > 0) {
            cacheThread.schedule(() -> invalidator.invalidate(keys), againMs, TimeUnit.MILLISECONDS);
        }
    }

    /** The commit's retry counter: counts a retried transaction once for each table it writes to. */
    private final class RetriesOfTablesInFlight implements Counter {
        private long count;

        @Override
        public void inc() {
            inc(1);
        }

        @Override
        public void inc(long n) {
            count += n;
            for (Granularity g : tablesInFlight) {
                metrics.get(g).writeRetries().inc(n);
            }
        }

        @Override
        public void dec() {
            dec(1);
        }

        @Override
        public void dec(long n) {
            count -= n;
        }

        @Override
        public long getCount() {
            return count;
        }
    }

    /** Staged rows of checkpoints that did not complete are dropped: the restored run emits them again. */
    @Override
    public void close() throws Exception {
        try {
            if (cacheThread != null) {
                cacheThread.shutdownNow();
                cacheThread.awaitTermination(5, TimeUnit.SECONDS);
            }
            if (invalidator != null) {
                invalidator.close();
            }
            if (writer != null) {
                writer.close();
            }
        } finally {
            super.close();
        }
    }

}
