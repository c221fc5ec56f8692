package io.github.dashboardmetrics.demo;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes an Unstract-like, randomized but seed-reproducible stream of changes into the source
 * tables of one schema, the way Unstract's Django code would: every NOT NULL column supplied,
 * uuid ids, timestamptz times, one transaction per step, foreign keys (deferred) valid at commit.
 *
 * <p>Use: {@link #setUp()} once (organisations, workflows, pipelines, deployments), then
 * {@link #step()} or {@link #run(int)}. Each step is one {@link WorkloadOperation}. The same seed
 * and options give the same sequence of operations and the same rows, whatever the database
 * returns: all choices come from an in-memory model of the rows written, never from queries.
 * Only the timestamps depend on the clock ({@link Options#clock()}; pass a fixed clock for
 * byte-identical data).
 *
 * <p>The schema must hold the tables of {@code /schema/unstract_schema.sql} (see
 * {@link EmbeddedDatabase#createUnstractSchema}). The generator does not know rows it did not
 * write: on a schema that already has data, use a seed not used on it before (ids and
 * organisation strings come from the seed and would collide).
 *
 * <p>Not thread-safe, except {@link #counters()}, which a reporter thread may call any time.
 */
public final class WorkloadGenerator implements AutoCloseable {

    /**
     * What the workload looks like.
     *
     * @param organizations     active organisations created by {@link #setUp()}
     * @param idleOrganizations organisations created by {@link #setUp()} that use nothing (and
     *                          may be deleted by {@link WorkloadOperation#DELETE_ORGANIZATION})
     * @param historyDays       facts' created_at spread over this many past days
     * @param recentFraction    share of new facts timestamped within the last hour
     * @param hitlQueue         whether the hitl_queue table exists (Unstract Cloud) or not (OSS)
     * @param trickyFraction    share of steps that are {@link WorkloadOperation#tricky()} ones
     * @param clock             "now", for recent timestamps and modified_at
     * @param maxTrackedRows    per kind of fact, how many rows the model remembers (memory bound
     *                          for long demo runs; older ones are left alone in the database)
     */
    public record Options(
            int organizations,
            int idleOrganizations,
            int historyDays,
            double recentFraction,
            boolean hitlQueue,
            double trickyFraction,
            Clock clock,
            int maxTrackedRows) {

        public Options {
            requireAtLeast(organizations, 1, "organizations");
            requireAtLeast(idleOrganizations, 0, "idleOrganizations");
            requireAtLeast(historyDays, 1, "historyDays");
            requireFraction(recentFraction, "recentFraction");
            requireFraction(trickyFraction, "trickyFraction");
            Objects.requireNonNull(clock, "clock");
            requireAtLeast(maxTrackedRows, 100, "maxTrackedRows");
        }

        /** 3 organisations (+1 idle), 100 days of history, 30% recent, hitl_queue, 20% tricky. */
        public static Options defaults() {
            return new Options(3, 1, 100, 0.3, true, 0.2, Clock.systemUTC(), 100_000);
        }

        public Options withOrganizations(int value) {
            return new Options(value, idleOrganizations, historyDays, recentFraction, hitlQueue, trickyFraction, clock, maxTrackedRows);
        }

        public Options withIdleOrganizations(int value) {
            return new Options(organizations, value, historyDays, recentFraction, hitlQueue, trickyFraction, clock, maxTrackedRows);
        }

        public Options withHistoryDays(int value) {
            return new Options(organizations, idleOrganizations, value, recentFraction, hitlQueue, trickyFraction, clock, maxTrackedRows);
        }

        public Options withRecentFraction(double value) {
            return new Options(organizations, idleOrganizations, historyDays, value, hitlQueue, trickyFraction, clock, maxTrackedRows);
        }

        public Options withHitlQueue(boolean value) {
            return new Options(organizations, idleOrganizations, historyDays, recentFraction, value, trickyFraction, clock, maxTrackedRows);
        }

        public Options withTrickyFraction(double value) {
            return new Options(organizations, idleOrganizations, historyDays, recentFraction, hitlQueue, value, clock, maxTrackedRows);
        }

        public Options withClock(Clock value) {
            return new Options(organizations, idleOrganizations, historyDays, recentFraction, hitlQueue, trickyFraction, value, maxTrackedRows);
        }

        public Options withMaxTrackedRows(int value) {
            return new Options(organizations, idleOrganizations, historyDays, recentFraction, hitlQueue, trickyFraction, clock, value);
        }

        private static void requireAtLeast(int value, int minimum, String name) {
            if (value < minimum) {
                throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
            }
        }

        private static void requireFraction(double value, String name) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(name + " must be between 0 and 1, got " + value);
            }
        }
    }

    private final Connection connection;
    private final boolean ownsConnection;
    private final boolean initialAutoCommit;
    private final long seed;
    private final Options options;
    private final WorkloadRandom random;
    private final WorkloadModel model = new WorkloadModel();
    private final ChangeTally tally = new ChangeTally();
    private final WorkloadCounters.Accumulator counters = new WorkloadCounters.Accumulator();
    private final DimensionOperations dimensions;
    private final Map<WorkloadOperation, OperationGroup> groups = new EnumMap<>(WorkloadOperation.class);
    private final OperationChooser chooser;
    private boolean setUp;
    /** Set when a transaction failed: the model may then be ahead of the database. */
    private String failure;

    /** Opens its own connection to {@code target} (schema = target's), closed by {@link #close()}. */
    public WorkloadGenerator(DatabaseTarget target, long seed, Options options) throws SQLException {
        this(target.connect(), true, target.schema(), seed, options);
    }

    /**
     * Writes through {@code connection}, which the caller keeps owning; the generator switches
     * autocommit off for its transactions and restores it on {@link #close()}.
     */
    public WorkloadGenerator(Connection connection, String schema, long seed, Options options) throws SQLException {
        this(connection, false, schema, seed, options);
    }

    private WorkloadGenerator(Connection connection, boolean ownsConnection, String schema, long seed, Options options)
            throws SQLException {
        this.connection = connection;
        this.ownsConnection = ownsConnection;
        this.initialAutoCommit = connection.getAutoCommit();
        this.seed = seed;
        this.options = Objects.requireNonNull(options, "options");
        this.random = new WorkloadRandom(seed);
        connection.setAutoCommit(false);
        GeneratorContext context = new GeneratorContext(model, random,
                new TimestampPicker(random, options.historyDays(), options.recentFraction()),
                new UnstractRows(random), new SourceRowWriter(connection, schema, tally), options.hitlQueue());
        FactRecorder facts = new FactRecorder(context);
        this.dimensions = new DimensionOperations(context);
        for (OperationGroup group : List.of(dimensions, new ExecutionOperations(context, facts, dimensions),
                new UsageOperations(context, facts), new CorrectionOperations(context))) {
            group.operations().forEach(operation -> groups.put(operation, group));
        }
        for (WorkloadOperation operation : WorkloadOperation.values()) {
            if (!groups.containsKey(operation)) {
                throw new IllegalStateException("no operation group performs " + operation);
            }
        }
        this.chooser = new OperationChooser(random, options.trickyFraction(), enabledOperations());
    }

    public long seed() {
        return seed;
    }

    public Options options() {
        return options;
    }

    /** The operations this generator may perform (the hitl ones only when hitl_queue exists). */
    public List<WorkloadOperation> enabledOperations() {
        List<WorkloadOperation> enabled = new ArrayList<>();
        for (WorkloadOperation operation : WorkloadOperation.values()) {
            if (options.hitlQueue() || !operation.needsHitlQueue()) {
                enabled.add(operation);
            }
        }
        return enabled;
    }

    /** Creates the organisations, workflows, pipelines and API deployments, in one transaction. */
    public void setUp() throws SQLException {
        requireUsable();
        if (setUp) {
            throw new IllegalStateException("setUp() was already called");
        }
        inTransaction("set-up", now -> dimensions.setUp(options.organizations(), options.idleOrganizations(), now));
        counters.addSetUp(tally);
        setUp = true;
    }

    /**
     * Performs one randomly chosen operation in one transaction.
     *
     * @return the number of rows it inserted, updated or deleted
     */
    public int step() throws SQLException {
        requireUsable();
        if (!setUp) {
            throw new IllegalStateException("call setUp() first");
        }
        WorkloadOperation operation = chooser.choose(op -> groups.get(op).canRun(op));
        OperationGroup group = groups.get(operation);
        inTransaction(operation.name(), now -> group.perform(operation, now));
        counters.addStep(operation, tally);
        model.forgetExcess(options.maxTrackedRows(), random);
        return tally.total();
    }

    /**
     * Steps until at least {@code targetChanges} rows were changed by this call.
     *
     * @return the number of row changes made (a little more than the target, as steps are whole)
     */
    public long run(long targetChanges) throws SQLException {
        long changes = 0;
        while (changes < targetChanges) {
            changes += step();
        }
        return changes;
    }

    /** A snapshot of what was committed so far; safe to call from another thread. */
    public WorkloadCounters counters() {
        return counters.snapshot();
    }

    /** Restores the connection's autocommit, and closes it if the generator opened it. */
    @Override
    public void close() throws SQLException {
        if (ownsConnection) {
            connection.close();
        } else if (!connection.isClosed()) {
            connection.setAutoCommit(initialAutoCommit);
        }
    }

    private interface Work {
        void run(Instant now) throws SQLException;
    }

    private void inTransaction(String what, Work work) throws SQLException {
        // PostgreSQL keeps microseconds: truncating here keeps the model equal to the database.
        Instant now = TimestampPicker.micros(options.clock().instant());
        tally.clear();
        try {
            work.run(now);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            failure = what + " failed (seed " + seed + ", after " + counters.snapshot().steps() + " steps): " + e;
            try {
                connection.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            if (e instanceof SQLException sqlException) {
                throw new SQLException(failure, sqlException.getSQLState(), sqlException);
            }
            throw new IllegalStateException(failure, e);
        }
    }

    private void requireUsable() {
        if (failure != null) {
            throw new IllegalStateException("the generator is unusable after an earlier failure: " + failure);
        }
    }
}
