package io.github.dashboardmetrics.bootstrap;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.pipeline.MetricsPipeline;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.source.ChangeMessage;
import io.github.dashboardmetrics.source.DeadLetter;
import io.github.dashboardmetrics.source.DecodeChanges;
import io.github.dashboardmetrics.source.KeyRange;
import io.github.dashboardmetrics.source.KeySample;
import io.github.dashboardmetrics.state.FinalSnapshot;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.output.MergeOperatorStates;
import org.apache.flink.state.api.output.OperatorSubtaskStateReducer;
import org.apache.flink.state.api.output.SavepointOutputFormat;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.state.api.output.operators.GroupReduceOperator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.OutputFormatSinkFunction;
import org.apache.flink.types.Either;

/**
 * The bounded Flink job of a bootstrap: reads the captured tables from an exported snapshot in
 * parallel key ranges ({@link SnapshotRangeSource}), runs them through the streaming job's own
 * decoding, normalisation, joins, rules and rollup ({@link MetricsPipeline}), and writes the
 * savepoint: every stateful operator, the streaming job's own, snapshots itself at the end of its
 * input ({@link FinalSnapshot}), and the State Processor API's steps gather those snapshots under
 * the streaming job's uids into the savepoint's metadata. It hands over the rollup rows the
 * streaming job would have written for the same rows, each bucket's final row once, as they
 * arrive, and returns the dead letters. The final rows leave the rollup as soon as the sources'
 * last watermark reaches it, so they are written while the operators before it still take their
 * snapshots; they reach the caller through a {@link LocalHandoff}, the job running on a local mini
 * cluster in this JVM.
 */
public final class BootstrapJob {
    /**
     * @param parallelism readers and operators; ranges per table: {@link #RANGES_PER_READER} per reader
     * @param stateBackend where the bounded job holds the state while it builds it ({@code rocksdb}
     *     or {@code hashmap}); the savepoint (canonical format) restores on either
     */
    public record Settings(DatabaseTarget source, List<String> capturedTables, int parallelism, RetentionPolicy retention,
            String stateBackend) implements java.io.Serializable {}

    /**
     * What the job gives back: the rows it read, and those it refused (the rollup rows went to the
     * {@link RowSink}).
     */
    public record Result(long rowsRead, List<DeadLetter> deadLetters) {}

    /** Where the final rollup rows go as they arrive (they are not kept). */
    public interface RowSink {
        void accept(RollupRow row) throws Exception;
    }

    /**
     * Key ranges per reader and table, of about equal rows each ({@link KeySample}): small enough
     * that readers finish close together.
     */
    static final int RANGES_PER_READER = 4;

    /** Final rows and dead letters between the job and the writer: about one batch of the writer's ({@link StagedRollups}). */
    static final int HANDOFF_CAPACITY = 20_000;

    /** How long the taker waits for a record before it looks whether the job has ended. */
    private static final Duration HANDOFF_POLL = Duration.ofMillis(100);

    private BootstrapJob() {}

    /** Wraps each output for the handoff and counts it, job-wide, in the accumulator {@link #SENT}. */
    private static final class Counted<I, L, R> extends RichMapFunction<I, Either<L, R>> {
        static final String SENT = "bootstrap-outputs-sent";
        private static final long serialVersionUID = 1L;
        private final SerializableFunction<I, Either<L, R>> wrap;
        private transient LongCounter sent;

        Counted(SerializableFunction<I, Either<L, R>> wrap) {
            this.wrap = wrap;
        }

        @Override
        public void open(OpenContext context) {
            sent = new LongCounter();
            getRuntimeContext().addAccumulator(SENT, sent);
        }

        @Override
        public Either<L, R> map(I value) {
            sent.add(1);
            return wrap.apply(value);
        }
    }

    /** A function the job can ship. */
    private interface SerializableFunction<T, U> extends java.util.function.Function<T, U>, java.io.Serializable {}

    /**
     * Runs the job on a local Flink: reads {@code snapshotName}, writes the savepoint to
     * {@code savepointPath}, and hands each bucket's final row (empty buckets included, as deletes)
     * to {@code rows}; {@code progress} hears the rows read so far every {@code reportEvery}
     * ({@link ReadProgress}) until all are read.
     */
    public static Result run(Settings settings, String snapshotName, long snapshotTsMs, String savepointPath,
            RowSink rows, Duration reportEvery, Consumer<String> progress) throws Exception {
        String maxParallelism = StateBackendDefaults.SHARED.get("pipeline.max-parallelism");
        // The streaming job's local state settings (managed memory for RocksDB, max parallelism).
        Configuration conf = StateBackendDefaults.local(settings.stateBackend());
        // Not pipeline.generic-types=false as in the streaming job: the State Processor API moves
        // its own operator states as generic types. The job's types are the streaming job's,
        // which refuses generic ones, so the state serializers are the same.
        conf.setString("parallelism.default", Integer.toString(settings.parallelism()));
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        // A record goes to several chained consumers here (a decoded change to five filters and
        // join inputs, a normalised row to three): without reuse each gets a deep copy. No function
        // of the pipeline keeps its input past the call or changes it where another consumer could
        // see it (they read it, or wrap it in new records serialized at the next keyed exchange),
        // so the copies guard nothing.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        // The read's progress (accumulators) reaches the client with each heartbeat: every 2 s
        // rather than Flink's 10, so that a progress line is at most that much behind.
        conf.setString("heartbeat.interval", "2000");
        // Local, in this JVM, always: the outputs come back through a LocalHandoff.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(settings.parallelism(), conf);

        List<KeyRange> ranges = new ArrayList<>();
        try (Connection c = settings.source().connect()) {
            for (String table : settings.capturedTables()) {
                ranges.addAll(KeySample.ranges(c, settings.source().schema(), RowKind.ofTable(table),
                        settings.parallelism() * RANGES_PER_READER));
            }
        }
        DataStream<ChangeMessage> messages = env
                .addSource(new SnapshotRangeSource(settings.source(), snapshotName, ranges, snapshotTsMs),
                        "read the exported snapshot", TypeInformation.of(ChangeMessage.class))
                .uid("bootstrap-snapshot-read")
                .setParallelism(settings.parallelism());
        SingleOutputStreamOperator<RowChange> changes = MetricsPipeline.decode(messages);
        MetricsPipeline.Rollups rollups = MetricsPipeline.fromChanges(changes,
                new MetricsPipeline.Settings(settings.retention()), null, new FinalSnapshot(savepointPath));

        TypeInformation<Either<RollupRow, DeadLetter>> outputType =
                new EitherTypeInfo<>(TypeInformation.of(RollupRow.class), TypeInformation.of(DeadLetter.class));
        LocalHandoff<Either<RollupRow, DeadLetter>> handoff = new LocalHandoff<>(HANDOFF_CAPACITY);
        // Each output's handoff chained to where it comes from (the rollup, the decoding): no copy.
        rollups.finalRows()
                .map(new Counted<RollupRow, RollupRow, DeadLetter>(Either::Left)).returns(outputType).name("rollup rows").uid("bootstrap-rows")
                .transform("hand the final rollup rows over", Types.VOID, handoff.operator()).uid("bootstrap-rows-handoff");
        changes.getSideOutput(DecodeChanges.DEAD_LETTERS)
                .map(new Counted<DeadLetter, RollupRow, DeadLetter>(Either::Right)).returns(outputType).name("dead letters")
                .uid("bootstrap-dead-letters")
                .transform("hand the dead letters over", Types.VOID, handoff.operator()).uid("bootstrap-dead-letters-handoff");

        writeSavepoint(rollups.finalSnapshots(), Integer.parseInt(maxParallelism), savepointPath);

        JobClient client = env.executeAsync("dashboard-metrics bootstrap");
        CompletableFuture<JobExecutionResult> ended = client.getJobExecutionResult();
        List<DeadLetter> deadLetters = new ArrayList<>();
        long received = 0;
        boolean allTaken = false;
        try (handoff; ReadProgress reading = ReadProgress.start(client, ranges.size(), reportEvery, progress)) {
            while (true) {
                Either<RollupRow, DeadLetter> next = handoff.poll(HANDOFF_POLL);
                if (next == null) {
                    if (!ended.isDone()) {
                        continue;
                    }
                    // The job has ended: its operators put every record before they finished.
                    next = handoff.pollNow();
                    if (next == null) {
                        break;
                    }
                }
                if (next.isLeft()) {
                    rows.accept(next.left()); // each bucket once, with its final total
                    received++;
                } else {
                    deadLetters.add(next.right());
                }
            }
            allTaken = true;
        } finally {
            if (!allTaken && !ended.isDone()) {
                client.cancel(); // the rows could not be written: the job would wait on a full queue
            }
        }
        JobExecutionResult executed = ended.get();
        Long sent = executed.getAccumulatorResult(Counted.SENT);
        if (sent == null || sent != received + deadLetters.size()) {
            // Every record the job counted went into the handoff before its operator finished; a
            // shortfall here would be rows lost on that way, and the rollups written from them wrong.
            throw new IllegalStateException("the bounded job sent " + sent + " rollup rows and dead letters, "
                    + (received + deadLetters.size()) + " arrived");
        }
        Long read = executed.getAccumulatorResult(SnapshotRangeSource.ROWS_READ);
        return new Result(read == null ? 0 : read, deadLetters);
    }

    /**
     * The savepoint's metadata from the operators' final snapshots ({@link FinalSnapshot}), with
     * the State Processor API's own steps: per operator, its subtasks' states gathered under the
     * streaming job's uid; then all operators into one savepoint's metadata, written by one task
     * into {@code savepointPath} (the state files are there already).
     */
    private static void writeSavepoint(Map<String, DataStream<TaggedOperatorSubtaskState>> snapshots, int maxParallelism,
            String savepointPath) {
        DataStream<OperatorState> operators = null;
        for (Map.Entry<String, DataStream<TaggedOperatorSubtaskState>> operator : snapshots.entrySet()) {
            DataStream<OperatorState> one = operator.getValue()
                    .transform("gather the snapshots of " + operator.getKey(), TypeInformation.of(OperatorState.class),
                            new GroupReduceOperator<>(new OperatorSubtaskStateReducer(
                                    OperatorIdentifier.forUid(operator.getKey()).getOperatorId(), maxParallelism)))
                    .uid("bootstrap-snapshots-" + operator.getKey())
                    .forceNonParallel();
            operators = operators == null ? one : operators.union(one);
        }
        operators.transform("the savepoint's metadata", TypeInformation.of(CheckpointMetadata.class),
                        new GroupReduceOperator<>(new MergeOperatorStates(List.of())))
                .uid("bootstrap-savepoint-metadata")
                .forceNonParallel()
                .addSink(new OutputFormatSinkFunction<>(new SavepointOutputFormat(new Path(savepointPath))))
                .uid("bootstrap-savepoint-write")
                .name("write the savepoint's metadata")
                .setParallelism(1);
    }
}
