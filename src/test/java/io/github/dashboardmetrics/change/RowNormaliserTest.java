package io.github.dashboardmetrics.change;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RowNormaliserTest {
    private static SourceRow file(String status) {
        SourceRow r = new SourceRow(RowKind.WORKFLOW_FILE_EXECUTION, "f1");
        r.parentId = "e1";
        r.status = status;
        r.eventTime = 1000L;
        return r;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RowChange, WeightedRow> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new RowNormaliser(), RowChange::rowKey, Types.STRING);
    }

    @Test
    void updatesWithoutBeforeImageRetractThePreviousImage() throws Exception {
        try (var h = harness()) {
            h.processElement(new RowChange('c', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 10, 0), 0);
            h.processElement(new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("COMPLETED"), 20, 0), 0);
            h.processElement(new RowChange('d', RowKind.WORKFLOW_FILE_EXECUTION, "f1", null, 30, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + file("PENDING"), "-1 " + file("PENDING"), "+1 " + file("COMPLETED"), "-1 " + file("COMPLETED"));
        }
    }

    @Test
    void duplicatesAndStaleReplaysAreDropped() throws Exception {
        try (var h = harness()) {
            RowChange insert = new RowChange('c', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 10, 0);
            RowChange update = new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("ERROR"), 20, 0);
            h.processElement(insert, 0);
            h.processElement(update, 0);
            h.processElement(insert, 0); // redelivered range
            h.processElement(update, 0);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @Test
    void unchangedProjectionEmitsNothingEvenWithoutPositions() throws Exception {
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), -1, 0), 0);
            h.processElement(new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), -1, 0), 0);
            h.processElement(new RowChange('d', RowKind.WORKFLOW_FILE_EXECUTION, "f1", null, -1, 0), 0);
            h.processElement(new RowChange('d', RowKind.WORKFLOW_FILE_EXECUTION, "f1", null, -1, 0), 0);
            assertThat(h.extractOutputValues()).extracting(w -> w.weight).containsExactly(1, -1);
        }
    }
}
