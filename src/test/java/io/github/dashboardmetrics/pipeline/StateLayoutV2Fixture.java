package io.github.dashboardmetrics.pipeline;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

/**
 * The committed savepoint of state layout v2 ({@code src/test/resources/savepoints/state-layout-v2}):
 * the rows it was taken after, the changes the restore test applies to it, and (run as a
 * program, from the project root, only when the layout changes on purpose) how it was made:
 * {@code mvn -q -o test-compile exec:java}-style, or from an IDE: {@code main}.
 */
public final class StateLayoutV2Fixture {
    public static final Path SAVEPOINT = Path.of("src/test/resources/savepoints/state-layout-v2");
    /** The hour every row counts in. */
    public static final long HOUR = Instant.parse("2026-03-10T14:00:00Z").toEpochMilli();
    public static final String W1 = "10000000-0000-0000-0000-000000000001";
    public static final String P1 = "20000000-0000-0000-0000-000000000001";
    public static final String E1 = "30000000-0000-0000-0000-000000000001";
    public static final String F1 = "40000000-0000-0000-0000-000000000001";
    public static final String PG1 = "50000000-0000-0000-0000-000000000001";
    public static final String PG2 = "50000000-0000-0000-0000-000000000002";
    public static final String U1 = "60000000-0000-0000-0000-000000000001";
    public static final String U2 = "60000000-0000-0000-0000-000000000002";
    public static final String U3 = "60000000-0000-0000-0000-000000000003";
    public static final String Q1 = "70000000-0000-0000-0000-000000000001";

    private StateLayoutV2Fixture() {}

    static SourceRow row(RowKind kind, String id) {
        SourceRow r = new SourceRow(kind, id);
        r.eventTime = HOUR + 60_000;
        return r;
    }

    static SourceRow usage(String id, String reason) {
        SourceRow r = row(RowKind.USAGE, id);
        r.orgId = 1L;
        r.status = "llm";
        r.reason = reason;
        r.amount = 0.25;
        return r;
    }

    static SourceRow page(String id, long pages) {
        SourceRow r = row(RowKind.PAGE_USAGE, id);
        r.orgKey = "org_a";
        r.parentId = F1;
        r.amount = pages;
        return r;
    }

    static SourceRow file(String status) {
        SourceRow f = row(RowKind.WORKFLOW_FILE_EXECUTION, F1);
        f.parentId = E1;
        f.status = status;
        return f;
    }

    static SourceRow workflow(long orgId) {
        SourceRow w = row(RowKind.WORKFLOW, W1);
        w.orgId = orgId;
        return w;
    }

    /** What the savepoint has seen. */
    static List<RowChange> before() {
        SourceRow org1 = row(RowKind.ORGANIZATION, "1");
        org1.orgId = 1L;
        org1.orgKey = "org_a";
        SourceRow org2 = row(RowKind.ORGANIZATION, "2");
        org2.orgId = 2L;
        org2.orgKey = "org_b";
        SourceRow pipeline = row(RowKind.PIPELINE, P1);
        pipeline.orgId = 1L;
        pipeline.status = "ETL";
        SourceRow execution = row(RowKind.WORKFLOW_EXECUTION, E1);
        execution.parentId = W1;
        execution.pipelineId = P1;
        SourceRow review = row(RowKind.HITL_QUEUE, Q1);
        review.orgId = 1L;
        review.status = "approved";
        review.approvedAt = HOUR + 120_000;
        long lsn = 100;
        return List.of(
                new RowChange('r', RowKind.ORGANIZATION, "1", org1, lsn, 0),
                new RowChange('r', RowKind.ORGANIZATION, "2", org2, lsn, 0),
                new RowChange('r', RowKind.WORKFLOW, W1, workflow(1), lsn, 0),
                new RowChange('r', RowKind.PIPELINE, P1, pipeline, lsn, 0),
                new RowChange('r', RowKind.WORKFLOW_EXECUTION, E1, execution, lsn, 0),
                new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, F1, file("ERROR"), lsn, 0),
                new RowChange('r', RowKind.PAGE_USAGE, PG1, page(PG1, 5), lsn, 0),
                new RowChange('r', RowKind.USAGE, U1, usage(U1, "challenge"), lsn, 0),
                new RowChange('r', RowKind.USAGE, U2, usage(U2, "extraction"), lsn, 0),
                new RowChange('r', RowKind.HITL_QUEUE, Q1, review, lsn, 0));
    }

    /** The changes the restore test applies after the savepoint. */
    static List<RowChange> after() {
        return List.of(
                new RowChange('c', RowKind.USAGE, U3, usage(U3, null), 200, 0),
                new RowChange('d', RowKind.USAGE, U1, null, 210, 0),
                new RowChange('r', RowKind.USAGE, U2, usage(U2, "extraction"), 100, 0), // replayed: dropped
                new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, F1, file("COMPLETED"), 220, 0),
                new RowChange('c', RowKind.PAGE_USAGE, PG2, page(PG2, 2), 230, 0),
                new RowChange('u', RowKind.WORKFLOW, W1, workflow(2), 240, 0));
    }

    /** The pipeline under the savepoint's uids, from any change source. */
    static DataStream<RollupRow> pipeline(DataStream<RowChange> changes) {
        return MetricsPipeline.fromChanges(changes, new MetricsPipeline.Settings(new RetentionPolicy(0, 0, 0)), null)
                .rows();
    }

    private static final AtomicInteger ROWS = new AtomicInteger();

    /** Writes the savepoint: the rows of {@link #before()}, taken once their rollups are out. */
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("execution.checkpointing.interval", "200 ms");
        conf.setString("state.backend.type", "hashmap");
        conf.setString("pipeline.max-parallelism", "128");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        DataStream<RowChange> changes = env.addSource(new ListThenIdle(), TypeInformation.of(RowChange.class))
                .uid("fixture-changes").setParallelism(1);
        pipeline(changes).addSink(new SinkFunction<>() {
            @Override
            public void invoke(RollupRow row, Context context) {
                ROWS.incrementAndGet();
            }
        }).uid("fixture-sink");
        JobClient job = env.executeAsync("state layout v2 fixture");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (ROWS.get() < 27 && System.nanoTime() < deadline) { // 9 buckets x 3 tiers
            Thread.sleep(50);
        }
        if (ROWS.get() < 27) {
            throw new IllegalStateException("only " + ROWS.get() + " rollup rows out");
        }
        Path target = Files.createTempDirectory("fixture-savepoint");
        String written = job.stopWithSavepoint(false, target.toUri().toString(), SavepointFormatType.CANONICAL).get();
        System.out.println("savepoint written to " + written + "; copy its contents to " + SAVEPOINT.toAbsolutePath());
    }

    /** Emits {@link #before()}, then idles until cancelled (so a savepoint can be taken). */
    private static final class ListThenIdle implements SourceFunction<RowChange> {
        private volatile boolean running = true;

        @Override
        public void run(SourceContext<RowChange> ctx) throws Exception {
            for (RowChange c : before()) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(c);
                }
            }
            while (running) {
                Thread.sleep(20);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }
}
