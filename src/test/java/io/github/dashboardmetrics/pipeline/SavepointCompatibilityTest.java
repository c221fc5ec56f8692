package io.github.dashboardmetrics.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The savepoint contract: the committed savepoint of state layout v2
 * ({@link StateLayoutV2Fixture}) restores in this build on both state backends, and the rollups
 * written afterwards show that every stateful operator kept what it held: the normaliser (a
 * delete retracts a row it saw, a replayed read is dropped), the file execution and execution
 * joins (a status change and new pages of a file), the attribution (a workflow that changes its
 * organisation takes its executions and documents along), the rollup (counts continue from the
 * saved totals). A change that breaks restoring this state fails here.
 */
class SavepointCompatibilityTest {

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void theCommittedSavepointRestoresAndItsStateCarriesOn(String backend) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("state.backend.type", backend);
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, StateLayoutV2Fixture.SAVEPOINT.toAbsolutePath().toUri().toString());
        conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true); // the fixture's own source and sink
        conf.setString("pipeline.max-parallelism", "128");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        List<RowChange> after = StateLayoutV2Fixture.after();
        List<RollupRow> rows = new ArrayList<>();
        StateLayoutV2Fixture.pipeline(env.fromData(TypeInformation.of(RowChange.class), after.toArray(new RowChange[0]))
                        .setParallelism(1))
                .executeAndCollect().forEachRemaining(rows::add);

        Map<String, String> hourly = new LinkedHashMap<>();
        for (RollupRow r : rows) {
            if (r.granularity == Granularity.HOURLY) {
                assertThat(r.bucketStart).isEqualTo(StateLayoutV2Fixture.HOUR);
                hourly.put(r.orgId + "/" + r.metricName, r.value + "x" + r.count);
            }
        }
        assertThat(hourly).containsOnly(
                // llm_calls and llm_usage: U3 added and U1 deleted, net unchanged: not rewritten
                Map.entry("1/challenges", "0.0x0"),            // U1 was the only challenge: the row goes
                Map.entry("1/failed_pages", "0.0x0"),          // F1 no longer failed
                Map.entry("1/prompt_executions", "0.0x0"),     // W1 moved to org 2
                Map.entry("2/prompt_executions", "1.0x1"),
                Map.entry("2/documents_processed", "1.0x1"),   // F1 completed, counted for org 2
                Map.entry("1/pages_processed", "7.0x2"));      // PG1 saved, PG2 new
    }
}
