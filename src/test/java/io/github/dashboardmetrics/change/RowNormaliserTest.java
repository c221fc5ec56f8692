package io.github.dashboardmetrics.change;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
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

    private static KeyedBroadcastOperatorTestHarness<String, RowChange, RowChange, WeightedRow> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new RowNormaliser(), RowChange::rowKey,
                Types.STRING, RowNormaliser.TRUNCATIONS);
    }

    private static RowChange truncate(RowKind kind, long lsn) {
        return new RowChange('t', kind, null, null, lsn, 0);
    }

    private static SourceRow usage(String id) {
        SourceRow r = new SourceRow(RowKind.USAGE, id);
        r.orgId = 1L;
        r.status = "llm";
        r.amount = 0.5;
        r.eventTime = 1000L;
        return r;
    }

    @Test
    void truncateRetractsEveryRowOfItsTableChangedBeforeIt() throws Exception {
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.USAGE, "u1", usage("u1"), 0, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u2", usage("u2"), 50, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u3", usage("u3"), 150, 0), 0); // after the TRUNCATE, arrived first
            h.processElement(new RowChange('c', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 60, 0), 0);
            h.processBroadcastElement(truncate(RowKind.USAGE, 100), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactlyInAnyOrder(
                    "+1 " + usage("u1"), "+1 " + usage("u2"), "+1 " + usage("u3"), "+1 " + file("PENDING"),
                    "-1 " + usage("u1"), "-1 " + usage("u2"));
        }
    }

    @Test
    void changesFromBeforeATruncateThatArriveAfterItAreDropped() throws Exception {
        try (var h = harness()) {
            h.processBroadcastElement(truncate(RowKind.USAGE, 100), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u1", usage("u1"), 40, 0), 0);
            h.processElement(new RowChange('r', RowKind.USAGE, "u2", usage("u2"), 0, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u3", usage("u3"), 120, 0), 0);
            h.processBroadcastElement(truncate(RowKind.USAGE, 100), 0); // redelivered: nothing more
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly("+1 " + usage("u3"));
        }
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

    @Test
    void changeOfATransactionOpenAtTheSnapshotPointIsAppliedAfterTheSnapshotRead() throws Exception {
        // Debezium stamps snapshot reads with the slot's consistent point (100); a transaction
        // open at that point is streamed afterwards with an earlier change position (90).
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 100, 0), 0);
            h.processElement(new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("COMPLETED"), 90, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + file("PENDING"), "-1 " + file("PENDING"), "+1 " + file("COMPLETED"));
        }
    }

    @Test
    void redeliveredSnapshotReadsAndChangesAfterThemAreDropped() throws Exception {
        try (var h = harness()) {
            RowChange read = new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 100, 0);
            RowChange inFlight = new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("EXECUTING"), 90, 0);
            RowChange later = new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("ERROR"), 120, 0);
            for (RowChange c : new RowChange[] {read, inFlight, later, read, inFlight, later}) {
                h.processElement(c, 0);
            }
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + file("PENDING"), "-1 " + file("PENDING"), "+1 " + file("EXECUTING"),
                    "-1 " + file("EXECUTING"), "+1 " + file("ERROR"));
        }
    }

    @Test
    void aNewerSnapshotReadReplacesStreamedChangesWhichStayDroppedWhenRedelivered() throws Exception {
        // A connector that lost its offsets snapshots again: its reads are the newest images.
        try (var h = harness()) {
            RowChange update = new RowChange('u', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("EXECUTING"), 20, 0);
            h.processElement(new RowChange('c', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 10, 0), 0);
            h.processElement(update, 0);
            h.processElement(new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("COMPLETED"), 300, 0), 0);
            h.processElement(update, 0);
            h.processElement(new RowChange('r', RowKind.WORKFLOW_FILE_EXECUTION, "f1", file("PENDING"), 200, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + file("PENDING"), "-1 " + file("PENDING"), "+1 " + file("EXECUTING"),
                    "-1 " + file("EXECUTING"), "+1 " + file("COMPLETED"));
        }
    }
}
