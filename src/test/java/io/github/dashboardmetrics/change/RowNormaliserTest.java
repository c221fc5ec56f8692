package io.github.dashboardmetrics.change;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RowNormaliserTest {
    /** An hour start in 2026: canonical images keep hours only. */
    private static final long T = 3_600_000L * 500_000;

    /** A canonical hitl_queue image; its organisation tells one version of the row from another. */
    private static SourceRow hitl(long orgId) {
        SourceRow r = new SourceRow(RowKind.HITL_QUEUE, "h1");
        r.orgId = orgId;
        r.eventTime = T;
        return r;
    }

    private static KeyedBroadcastOperatorTestHarness<String, RowChange, RowChange, WeightedRow> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new RowNormaliser(), RowNormaliser::key,
                Types.STRING, io.github.dashboardmetrics.state.RowState.TRUNCATIONS);
    }

    private static RowChange truncate(RowKind kind, long lsn) {
        return new RowChange('t', kind, null, null, lsn, 0);
    }

    private static SourceRow usage(String id) {
        SourceRow r = new SourceRow(RowKind.USAGE, id);
        r.orgId = 1L;
        r.status = "llm";
        r.amount = 0.5;
        r.eventTime = T;
        return r;
    }

    @Test
    void truncateRetractsEveryRowOfItsTableChangedBeforeIt() throws Exception {
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.USAGE, "u1", usage("u1"), 0, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u2", usage("u2"), 50, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u3", usage("u3"), 150, 0), 0); // after the TRUNCATE, arrived first
            h.processElement(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 60, 0), 0);
            h.processBroadcastElement(truncate(RowKind.USAGE, 100), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactlyInAnyOrder(
                    "+1 " + usage("u1"), "+1 " + usage("u2"), "+1 " + usage("u3"), "+1 " + hitl(1),
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
            h.processElement(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0), 0);
            h.processElement(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(3), 20, 0), 0);
            h.processElement(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, 30, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(3), "-1 " + hitl(3));
        }
    }

    @Test
    void duplicatesAndStaleReplaysAreDropped() throws Exception {
        try (var h = harness()) {
            RowChange insert = new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0);
            RowChange update = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(4), 20, 0);
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
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), -1, 0), 0);
            h.processElement(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(1), -1, 0), 0);
            h.processElement(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, -1, 0), 0);
            h.processElement(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, -1, 0), 0);
            assertThat(h.extractOutputValues()).extracting(w -> w.weight).containsExactly(1, -1);
        }
    }

    @Test
    void changeOfATransactionOpenAtTheSnapshotPointIsAppliedAfterTheSnapshotRead() throws Exception {
        // Debezium stamps snapshot reads with the slot's consistent point (100); a transaction
        // open at that point is streamed afterwards with an earlier change position (90).
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 100, 0), 0);
            h.processElement(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(3), 90, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(3));
        }
    }

    @Test
    void redeliveredSnapshotReadsAndChangesAfterThemAreDropped() throws Exception {
        try (var h = harness()) {
            RowChange read = new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 100, 0);
            RowChange inFlight = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(2), 90, 0);
            RowChange later = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(4), 120, 0);
            for (RowChange c : new RowChange[] {read, inFlight, later, read, inFlight, later}) {
                h.processElement(c, 0);
            }
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(2),
                    "-1 " + hitl(2), "+1 " + hitl(4));
        }
    }

    @Test
    void aSecondSnapshotReadAtTheSamePositionReplacesTheFirstButNotAStreamedChange() throws Exception {
        // Flink CDC stamps snapshot reads with 0: a second read of a row cannot be placed by its
        // position, and is taken as the newer image unless a streamed change came after the first.
        try (var h = harness()) {
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 0, 0), 0);
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(3), 0, 0), 0);
            h.processElement(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(4), 500, 0), 0);
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 0, 0), 0); // older than the change
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(3), "-1 " + hitl(3), "+1 " + hitl(4));
        }
    }

    @Test
    void aNewerSnapshotReadReplacesStreamedChangesWhichStayDroppedWhenRedelivered() throws Exception {
        // A connector that lost its offsets snapshots again: its reads are the newest images.
        try (var h = harness()) {
            RowChange update = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(2), 20, 0);
            h.processElement(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0), 0);
            h.processElement(update, 0);
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(3), 300, 0), 0);
            h.processElement(update, 0);
            h.processElement(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 200, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(2),
                    "-1 " + hitl(2), "+1 " + hitl(3));
        }
    }

    @Test
    void aRowThatContributesNothingIsKeptAsPositionsOnlyAndCountsOnceItDoes() throws Exception {
        try (var h = harness()) {
            SourceRow embedding = usage("u1");
            embedding.status = "embedding";
            h.processElement(new RowChange('c', RowKind.USAGE, "u1", embedding, 10, 0), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(new RowChange('u', RowKind.USAGE, "u1", usage("u1"), 20, 0), 0);
            h.processElement(new RowChange('c', RowKind.USAGE, "u1", embedding, 10, 0), 0); // redelivered: dropped
            h.processElement(new RowChange('u', RowKind.USAGE, "u1", embedding, 30, 0), 0);
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly(
                    "+1 " + usage("u1"), "-1 " + usage("u1"));
        }
    }

    @Test
    void imagesInStateHoldOnlyWhatTheMetricsRead() throws Exception {
        try (var h = harness()) {
            SourceRow a = usage("u1");
            a.reason = "extraction";
            a.eventTime = T + 1_234_567L;
            SourceRow b = usage("u1");
            b.reason = "lookup";
            b.eventTime = T + 2_000_000L;
            h.processElement(new RowChange('c', RowKind.USAGE, "u1", a, 10, 0), 0);
            h.processElement(new RowChange('u', RowKind.USAGE, "u1", b, 20, 0), 0); // same hour, reason neither counted one
            assertThat(h.extractOutputValues()).extracting(Object::toString).containsExactly("+1 " + usage("u1"));
        }
    }
}
