package io.github.dashboardmetrics.change;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKeepingHarness.Backend;
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

    private static RowKeepingHarness<RowChange, WeightedRow> harness() throws Exception {
        return new RowKeepingHarness<>(new RowNormaliser(), RowNormaliser::key, Backend.HEAP, null);
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
            h.add(new RowChange('r', RowKind.USAGE, "u1", usage("u1"), 0, 0));
            h.add(new RowChange('c', RowKind.USAGE, "u2", usage("u2"), 50, 0));
            h.add(new RowChange('c', RowKind.USAGE, "u3", usage("u3"), 150, 0)); // after the TRUNCATE, arrived first
            h.add(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 60, 0));
            h.truncate(RowKind.USAGE, 100);
            h.walk();
            assertThat(h.emitted()).extracting(Object::toString).containsExactlyInAnyOrder(
                    "+1 " + usage("u1"), "+1 " + usage("u2"), "+1 " + usage("u3"), "+1 " + hitl(1),
                    "-1 " + usage("u1"), "-1 " + usage("u2"));
        }
    }

    @Test
    void changesFromBeforeATruncateThatArriveAfterItAreDropped() throws Exception {
        try (var h = harness()) {
            h.truncate(RowKind.USAGE, 100);
            h.add(new RowChange('c', RowKind.USAGE, "u1", usage("u1"), 40, 0));
            h.add(new RowChange('r', RowKind.USAGE, "u2", usage("u2"), 0, 0));
            h.add(new RowChange('c', RowKind.USAGE, "u3", usage("u3"), 120, 0));
            h.truncate(RowKind.USAGE, 100); // redelivered: nothing more
            assertThat(h.emitted()).extracting(Object::toString).containsExactly("+1 " + usage("u3"));
        }
    }

    @Test
    void updatesWithoutBeforeImageRetractThePreviousImage() throws Exception {
        try (var h = harness()) {
            h.add(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0));
            h.add(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(3), 20, 0));
            h.add(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, 30, 0));
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(3), "-1 " + hitl(3));
        }
    }

    @Test
    void duplicatesAndStaleReplaysAreDropped() throws Exception {
        try (var h = harness()) {
            RowChange insert = new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0);
            RowChange update = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(4), 20, 0);
            h.add(insert);
            h.add(update);
            h.add(insert); // redelivered range
            h.add(update);
            assertThat(h.emitted()).hasSize(3);
        }
    }

    @Test
    void unchangedProjectionEmitsNothingEvenWithoutPositions() throws Exception {
        try (var h = harness()) {
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), -1, 0));
            h.add(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(1), -1, 0));
            h.add(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, -1, 0));
            h.add(new RowChange('d', RowKind.HITL_QUEUE, "h1", null, -1, 0));
            assertThat(h.emitted()).extracting(w -> w.weight).containsExactly(1, -1);
        }
    }

    @Test
    void changeOfATransactionOpenAtTheSnapshotPointIsAppliedAfterTheSnapshotRead() throws Exception {
        // Debezium stamps snapshot reads with the slot's consistent point (100); a transaction
        // open at that point is streamed afterwards with an earlier change position (90).
        try (var h = harness()) {
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 100, 0));
            h.add(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(3), 90, 0));
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
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
                h.add(c);
            }
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(2),
                    "-1 " + hitl(2), "+1 " + hitl(4));
        }
    }

    @Test
    void aSecondSnapshotReadAtTheSamePositionReplacesTheFirstButNotAStreamedChange() throws Exception {
        // Flink CDC stamps snapshot reads with 0: a second read of a row cannot be placed by its
        // position, and is taken as the newer image unless a streamed change came after the first.
        try (var h = harness()) {
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 0, 0));
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(3), 0, 0));
            h.add(new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(4), 500, 0));
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 0, 0)); // older than the change
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(3), "-1 " + hitl(3), "+1 " + hitl(4));
        }
    }

    @Test
    void aNewerSnapshotReadReplacesStreamedChangesWhichStayDroppedWhenRedelivered() throws Exception {
        // A connector that lost its offsets snapshots again: its reads are the newest images.
        try (var h = harness()) {
            RowChange update = new RowChange('u', RowKind.HITL_QUEUE, "h1", hitl(2), 20, 0);
            h.add(new RowChange('c', RowKind.HITL_QUEUE, "h1", hitl(1), 10, 0));
            h.add(update);
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(3), 300, 0));
            h.add(update);
            h.add(new RowChange('r', RowKind.HITL_QUEUE, "h1", hitl(1), 200, 0));
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
                    "+1 " + hitl(1), "-1 " + hitl(1), "+1 " + hitl(2),
                    "-1 " + hitl(2), "+1 " + hitl(3));
        }
    }

    @Test
    void aRowThatContributesNothingIsKeptAsPositionsOnlyAndCountsOnceItDoes() throws Exception {
        try (var h = harness()) {
            SourceRow embedding = usage("u1");
            embedding.status = "embedding";
            h.add(new RowChange('c', RowKind.USAGE, "u1", embedding, 10, 0));
            assertThat(h.emitted()).isEmpty();
            h.add(new RowChange('u', RowKind.USAGE, "u1", usage("u1"), 20, 0));
            h.add(new RowChange('c', RowKind.USAGE, "u1", embedding, 10, 0)); // redelivered: dropped
            h.add(new RowChange('u', RowKind.USAGE, "u1", embedding, 30, 0));
            assertThat(h.emitted()).extracting(Object::toString).containsExactly(
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
            h.add(new RowChange('c', RowKind.USAGE, "u1", a, 10, 0));
            h.add(new RowChange('u', RowKind.USAGE, "u1", b, 20, 0)); // same hour, reason neither counted one
            assertThat(h.emitted()).extracting(Object::toString).containsExactly("+1 " + usage("u1"));
        }
    }
}
