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
import io.github.dashboardmetrics.state.StateEntry;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.output.operators.StateBootstrapWrapperOperator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.flink.util.CloseableIterator;

/**
 * The bounded Flink job of a bootstrap: reads the captured tables from an exported snapshot in
 * parallel key ranges ({@link SnapshotRangeSource}), runs them through the streaming job's own
 * decoding, normalisation, joins, rules and rollup ({@link MetricsPipeline}, with every stateful
 * operator exporting its keyed state at the end of its input), and writes that state with the
 * State Processor API as a savepoint under the streaming job's uids. It hands over the rollup
 * rows the streaming job would have written for the same rows, each bucket's final row once, as
 * they arrive, and returns the dead letters.
 */
public final class BootstrapJob {
    /**
     * @param parallelism readers and operators; ranges per table: {@link #RANGES_PER_READER} per reader
     * @param stateBackend where the bounded job and the savepoint writer hold the state while they
     *     build it ({@code rocksdb} or {@code hashmap}); the savepoint restores on either
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

    private BootstrapJob() {}

    /** Wraps each output for the collect sink and counts it, job-wide, in the accumulator {@link #SENT}. */
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);

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
                new MetricsPipeline.Settings(settings.retention()), null, true);

        TypeInformation<Either<RollupRow, DeadLetter>> outputType =
                new EitherTypeInfo<>(TypeInformation.of(RollupRow.class), TypeInformation.of(DeadLetter.class));
        DataStream<Either<RollupRow, DeadLetter>> outputs = rollups.finalRows()
                .map(new Counted<RollupRow, RollupRow, DeadLetter>(Either::Left)).returns(outputType).name("rollup rows").uid("bootstrap-rows")
                .union(changes.getSideOutput(DecodeChanges.DEAD_LETTERS)
                        .map(new Counted<DeadLetter, RollupRow, DeadLetter>(Either::Right)).returns(outputType).name("dead letters")
                        .uid("bootstrap-dead-letters"));
        CloseableIterator<Either<RollupRow, DeadLetter>> collected = outputs.collectAsync();

        StateBackend writerBackend = StateBackendDefaults.ROCKSDB.equals(StateBackendDefaults.parse(settings.stateBackend()))
                ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
        SavepointWriter savepoint = SavepointWriter.newSavepoint(env, writerBackend,
                Integer.parseInt(maxParallelism));
        for (Map.Entry<String, List<? extends StateDescriptor<?, ?>>> operator
                : MetricsPipeline.keyedStates(settings.retention()).entrySet()) {
            DataStream<StateEntry> entries = rollups.stateEntries().get(operator.getKey());
            StateEntryWriter writer = new StateEntryWriter(operator.getValue(),
                    MetricsPipeline.processingTimers().getOrDefault(operator.getKey(), List.of()));
            // The State Processor API's own wrapper of an operator, as its window transformations use:
            // a KeyedStateBootstrapFunction's timers go to a timer service of the API's name only.
            savepoint.withOperator(OperatorIdentifier.forUid(operator.getKey()),
                    OperatorTransformation.bootstrapWith(entries)
                            .keyBy(e -> e.key, Types.STRING)
                            .transform((timestamp, path) -> new StateBootstrapWrapperOperator<>(timestamp, path, writer)));
        }
        savepoint.write(savepointPath);

        JobClient client = env.executeAsync("dashboard-metrics bootstrap");
        List<DeadLetter> deadLetters = new ArrayList<>();
        long received = 0;
        try (collected; ReadProgress reading = ReadProgress.start(client, ranges.size(), reportEvery, progress)) {
            while (collected.hasNext()) {
                Either<RollupRow, DeadLetter> next = collected.next();
                if (next.isLeft()) {
                    rows.accept(next.left()); // each bucket once, with its final total
                    received++;
                } else {
                    deadLetters.add(next.right());
                }
            }
        }
        JobExecutionResult executed = client.getJobExecutionResult().get();
        Long sent = executed.getAccumulatorResult(Counted.SENT);
        if (sent == null || sent != received + deadLetters.size()) {
            // The collect sink hands its last results over after the job's end; a shortfall here
            // would be rows lost on that way, and the rollups written from them would be wrong.
            throw new IllegalStateException("the bounded job sent " + sent + " rollup rows and dead letters, "
                    + (received + deadLetters.size()) + " arrived");
        }
        Long read = executed.getAccumulatorResult(SnapshotRangeSource.ROWS_READ);
        return new Result(read == null ? 0 : read, deadLetters);
    }
}
