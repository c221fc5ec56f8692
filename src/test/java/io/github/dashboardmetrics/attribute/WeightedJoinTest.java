package io.github.dashboardmetrics.attribute;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.change.WeightedRow;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class WeightedJoinTest {
    private static SourceRow workflow(String id, long org) {
        SourceRow r = new SourceRow(RowKind.WORKFLOW, id);
        r.orgId = org;
        return r;
    }

    private static SourceRow execution(String id, String workflowId) {
        SourceRow r = new SourceRow(RowKind.WORKFLOW_EXECUTION, id);
        r.parentId = workflowId;
        r.eventTime = 1000L;
        return r;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, WeightedRow, WeightedRow, WeightedRow> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new WeightedJoin(JoinRules.EXECUTION_TO_WORKFLOW), w -> w.row.id, w -> w.row.parentId, Types.STRING);
    }

    /** The net multiset of joined rows: what summing the output over time gives. */
    private static Map<String, Integer> net(List<WeightedRow> out) {
        Map<String, Integer> net = new HashMap<>();
        for (WeightedRow w : out) {
            net.merge(w.row.id + "@" + w.row.orgId, w.weight, Integer::sum);
        }
        net.values().removeIf(v -> v == 0);
        return net;
    }

    @Test
    void factBeforeDimensionIsHeldAndJoinedWhenTheDimensionArrives() throws Exception {
        try (var h = harness()) {
            h.processElement2(new WeightedRow(execution("e1", "w1"), 1, 0), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement1(new WeightedRow(workflow("w1", 7), 1, 0), 0);
            assertThat(net(h.extractOutputValues())).containsExactly(Map.entry("e1@7", 1));
        }
    }

    @Test
    void dimensionChangeRetractsAndReattributes() throws Exception {
        try (var h = harness()) {
            h.processElement1(new WeightedRow(workflow("w1", 7), 1, 0), 0);
            h.processElement2(new WeightedRow(execution("e1", "w1"), 1, 0), 0);
            h.processElement2(new WeightedRow(execution("e2", "w1"), 1, 0), 0);
            // workflow moves to org 8
            h.processElement1(new WeightedRow(workflow("w1", 7), -1, 0), 0);
            h.processElement1(new WeightedRow(workflow("w1", 8), 1, 0), 0);
            assertThat(net(h.extractOutputValues())).containsOnly(Map.entry("e1@8", 1), Map.entry("e2@8", 1));
            // workflow deleted: everything attributed through it goes away
            h.processElement1(new WeightedRow(workflow("w1", 8), -1, 0), 0);
            assertThat(net(h.extractOutputValues())).isEmpty();
        }
    }

    @Test
    void stateEmptiesWhenBothSidesAreRetracted() throws Exception {
        try (var h = harness()) {
            h.processElement1(new WeightedRow(workflow("w1", 7), 1, 0), 0);
            h.processElement2(new WeightedRow(execution("e1", "w1"), 1, 0), 0);
            h.processElement2(new WeightedRow(execution("e1", "w1"), -1, 0), 0);
            h.processElement1(new WeightedRow(workflow("w1", 7), -1, 0), 0);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void anyArrivalOrderGivesTheSameNetResult() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("WeightedJoinTest seed=" + seed);
        Random random = new Random(seed);
        // A history: w1 in org 1, then org 2; e1 under w1; e2 under w1 then moved away and back.
        List<Object[]> deltas = new java.util.ArrayList<>(List.of(
                new Object[] {1, workflow("w1", 1), 1}, new Object[] {1, workflow("w1", 1), -1},
                new Object[] {1, workflow("w1", 2), 1}, new Object[] {2, execution("e1", "w1"), 1},
                new Object[] {2, execution("e2", "w1"), 1}, new Object[] {2, execution("e2", "w1"), -1},
                new Object[] {2, execution("e2", "w1"), 1}));
        for (int round = 0; round < 20; round++) {
            java.util.Collections.shuffle(deltas, random);
            try (var h = harness()) {
                for (Object[] d : deltas) {
                    WeightedRow w = new WeightedRow((SourceRow) d[1], (Integer) d[2], 0);
                    if ((Integer) d[0] == 1) {
                        h.processElement1(w, 0);
                    } else {
                        h.processElement2(w, 0);
                    }
                }
                assertThat(net(h.extractOutputValues())).as("order %s", deltas)
                        .containsOnly(Map.entry("e1@2", 1), Map.entry("e2@2", 1));
            }
        }
    }
}
