package io.github.dashboardmetrics.change;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKeepingHarness.Backend;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.FinalSnapshot;
import io.github.dashboardmetrics.state.RowState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A TRUNCATE applied by the normaliser in slices between records ({@link TruncateWalks}), on both
 * state backends: nothing is retracted while the TRUNCATE itself is processed, each processing-time
 * advance runs one slice, changes arriving meanwhile find their rows truncated whether or not the
 * walk reached them, a walk interrupted by a snapshot is finished by the restored operator, and
 * every row is retracted exactly once.
 */
class TruncateWalksTest {
    private static final long HOUR = 3_600_000L * 500_000;
    private static final int KEYS_PER_SLICE = 100;

    private static RowKeepingHarness<RowChange, WeightedRow> normaliser(Backend backend, OperatorSubtaskState restored)
            throws Exception {
        return new RowKeepingHarness<>(new RowNormaliser(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT,
                KEYS_PER_SLICE), RowNormaliser::key, backend, restored);
    }

    private static SourceRow usage(String id, long orgId) {
        SourceRow r = new SourceRow(RowKind.USAGE, id);
        r.orgId = orgId;
        r.status = "llm";
        r.amount = 0.5;
        r.eventTime = HOUR;
        return r;
    }

    private static RowChange change(String id, long orgId, long lsn) {
        return new RowChange(lsn < 1000 ? 'c' : 'u', RowKind.USAGE, id, usage(id, orgId), lsn, 0);
    }

    private static String id(int i) {
        return "u" + i;
    }

    /** Inserts usage rows 0..n-1 (organisation 1, positions 1..n) and a few hitl_queue rows; forgets the output. */
    private static void fill(RowKeepingHarness<RowChange, WeightedRow> h, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            h.add(change(id(i), 1, 1 + i));
        }
        for (int i = 0; i < 5; i++) {
            SourceRow q = new SourceRow(RowKind.HITL_QUEUE, "q" + i);
            q.orgId = 1L;
            q.eventTime = HOUR;
            h.add(new RowChange('c', RowKind.HITL_QUEUE, "q" + i, q, 1 + n + i, 0));
        }
        h.take();
    }

    private static Set<String> retracted(List<WeightedRow> out) {
        Set<String> ids = new HashSet<>();
        for (WeightedRow w : out) {
            if (w.weight < 0) {
                assertThat(ids.add(w.row.id)).as("retracted once: " + w.row.id).isTrue();
            }
        }
        return ids;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTruncateIsWalkedInSlicesAndChangesMeanwhileFindTheirRowsTruncated(Backend backend) throws Exception {
        try (var h = normaliser(backend, null)) {
            fill(h, 1_000);
            h.truncate(RowKind.USAGE, 2_000);
            assertThat(h.take()).as("emitted while the TRUNCATE itself is processed").isEmpty();
            assertThat(h.walking()).isTrue();

            h.slice();
            Set<String> walked = retracted(h.take());
            assertThat(walked).as("retracted by the first slice").hasSize(KEYS_PER_SLICE);
            assertThat(h.walking()).isTrue();

            String unwalked = firstNotIn(walked);
            String walkedOne = walked.iterator().next();
            h.add(change(unwalked, 2, 2_100)); // its row goes first, then the new image counts
            assertThat(h.take()).extracting(Object::toString)
                    .containsExactly("-1 " + usage(unwalked, 1), "+1 " + usage(unwalked, 2));
            h.add(change(walkedOne, 2, 2_200)); // gone already: only the new image
            assertThat(h.take()).extracting(Object::toString).containsExactly("+1 " + usage(walkedOne, 2));
            String late = firstNotIn(walked, unwalked);
            h.add(change(late, 3, 1_500)); // from before the TRUNCATE: dropped, the walk retracts the row
            assertThat(h.take()).isEmpty();
            h.add(change("new", 2, 2_300));
            assertThat(h.take()).extracting(Object::toString).containsExactly("+1 " + usage("new", 2));

            int slices = h.walk();
            Set<String> rest = retracted(h.take());
            assertThat(slices).as("slices for the rest").isGreaterThanOrEqualTo(9);
            Set<String> all = new HashSet<>(walked);
            all.add(unwalked);
            for (String id : rest) {
                assertThat(all.add(id)).as("retracted once: " + id).isTrue();
            }
            assertThat(all).as("every usage row retracted, exactly once").hasSize(1_000).allMatch(id -> id.startsWith("u"));

            // what changed after the TRUNCATE stayed: deleting it retracts its new image
            h.add(new RowChange('d', RowKind.USAGE, unwalked, null, 3_000, 0));
            h.add(new RowChange('d', RowKind.USAGE, walkedOne, null, 3_001, 0));
            h.add(new RowChange('d', RowKind.USAGE, late, null, 3_002, 0));
            assertThat(h.take()).extracting(Object::toString)
                    .containsExactly("-1 " + usage(unwalked, 2), "-1 " + usage(walkedOne, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSnapshotTakenMidWalkRestoresIntoAnOperatorThatFinishesTheWalk(Backend backend) throws Exception {
        OperatorSubtaskState snapshot;
        Set<String> before;
        try (var h = normaliser(backend, null)) {
            fill(h, 1_000);
            h.truncate(RowKind.USAGE, 2_000);
            h.slice();
            h.slice();
            h.slice();
            before = retracted(h.take());
            assertThat(before).hasSize(3 * KEYS_PER_SLICE);
            snapshot = h.snapshot();
        }
        try (var restored = normaliser(backend, snapshot)) {
            assertThat(restored.walking()).as("the restored walk resumes").isTrue();
            String unwalked = firstNotIn(before);
            restored.add(change(unwalked, 2, 2_100)); // before the restored walk reaches it
            assertThat(restored.take()).extracting(Object::toString)
                    .containsExactly("-1 " + usage(unwalked, 1), "+1 " + usage(unwalked, 2));
            restored.walk();
            Set<String> after = retracted(restored.take());
            after.add(unwalked);
            assertThat(after).as("retracted after the restore").hasSize(700).doesNotContainAnyElementsOf(before);
            restored.add(new RowChange('c', RowKind.USAGE, "late", usage("late", 1), 1_999, 0));
            assertThat(restored.take()).as("a change from before the restored TRUNCATE").isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyBarrierDuringAWalkIsReportedToTheCommitterAndNoneBeforeOrAfter(Backend backend) throws Exception {
        try (var h = normaliser(backend, null)) {
            fill(h, 1_000);
            h.snapshot(); // 1: no walk
            h.truncate(RowKind.USAGE, 2_000);
            h.snapshot(); // 2: the walk has not visited a key yet
            h.slice();
            h.snapshot(); // 3
            h.walk();
            h.snapshot(); // 4: the walk has ended
            assertThat(h.walkingAtBarriers()).containsExactly(2L, 3L);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSecondTruncateOfTheTableRestartsTheWalkWithItsPosition(Backend backend) throws Exception {
        try (var h = normaliser(backend, null)) {
            fill(h, 1_000);
            h.truncate(RowKind.USAGE, 2_000);
            h.slice();
            Set<String> walked = retracted(h.take());
            String changedBetween = walked.iterator().next();
            h.add(change(changedBetween, 2, 2_500)); // after the first TRUNCATE, before the second
            h.take();
            h.truncate(RowKind.USAGE, 3_000);
            h.walk();
            Set<String> rest = retracted(h.take());
            assertThat(rest).as("the rest, and the row changed between the TRUNCATEs (visited before)")
                    .hasSize(1_000 - KEYS_PER_SLICE + 1).contains(changedBetween).doesNotContainAnyElementsOf(
                            walked.stream().filter(id -> !id.equals(changedBetween)).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTruncateWithoutAPositionIsAppliedAtOnce(Backend backend) throws Exception {
        try (var h = normaliser(backend, null)) {
            fill(h, 300);
            h.truncate(RowKind.USAGE, -1);
            assertThat(retracted(h.take())).hasSize(300);
            assertThat(h.walking()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theEndOfTheInputFinishesTheWalk(Backend backend) throws Exception {
        var h = normaliser(backend, null);
        fill(h, 500);
        h.truncate(RowKind.USAGE, 2_000);
        h.slice();
        Set<String> walked = retracted(h.take());
        h.close();
        Set<String> rest = retracted(h.emitted());
        assertThat(rest).hasSize(500 - KEYS_PER_SLICE).doesNotContainAnyElementsOf(walked);
    }

    /**
     * Random changes of usage rows (updates, deletes, inserts, changes from before a TRUNCATE that
     * arrive late), two TRUNCATEs, slices and a snapshot with a restore at random points between
     * them. What the operator emits must, at every point, retract only an image it added and not
     * yet retracted, and must end with exactly the rows a source applying the same changes holds.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void randomChangesSlicesAndARestoreAroundTwoTruncatesEndWithTheSourcesRows(Backend backend) throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("TruncateWalksTest " + backend + " seed=" + seed + " (rerun with -Dseed=" + seed + ")");
        for (int round = 0; round < 4; round++) {
            randomRound(backend, seed + round);
        }
    }

    private static void randomRound(Backend backend, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, SourceRow> source = new HashMap<>(); // the rows as the source holds them
        Map<String, String> shown = new HashMap<>(); // key -> the image the output counts now
        int keys = 400;
        long lsn = 1;
        long truncatedAt = Long.MIN_VALUE;
        var h = normaliser(backend, null);
        try {
            for (int i = 0; i < keys; i++) {
                RowChange c = change(id(i), 1 + random.nextInt(3), lsn++);
                h.add(c);
                source.put(c.key, c.after);
            }
            boolean restored = false;
            int secondTruncate = 505 + random.nextInt(60); // often while the first one's walk is in progress
            for (int step = 0; step < 3_000; step++) {
                int what = random.nextInt(100);
                if (step == 500 || step == secondTruncate) {
                    truncatedAt = lsn++;
                    h.truncate(RowKind.USAGE, truncatedAt);
                    source.clear();
                } else if (what < 10) {
                    h.slice();
                } else if (!restored && step > 500 && what < 15) {
                    OperatorSubtaskState snapshot = h.snapshot();
                    check(h.take(), shown);
                    h.close(); // finishes the walk in the old operator: its output is not the restored one's
                    h = normaliser(backend, snapshot);
                    restored = true;
                } else {
                    String key = id(random.nextInt(keys + 50));
                    if (what < 20 && truncatedAt > 1) { // a change from before the newest TRUNCATE, arriving late
                        h.add(change(key, 9, truncatedAt - 1 - random.nextInt((int) Math.min(truncatedAt - 1, 50))));
                    } else if (what < 35) {
                        h.add(new RowChange('d', RowKind.USAGE, key, null, lsn++, 0));
                        source.remove(key);
                    } else {
                        RowChange c = change(key, 1 + random.nextInt(3), lsn++);
                        h.add(c);
                        source.put(key, c.after);
                    }
                }
                check(h.take(), shown);
            }
            assertThat(restored).isTrue();
            h.walk();
            check(h.take(), shown);
        } finally {
            h.close();
        }
        Map<String, String> expected = new HashMap<>();
        source.forEach((key, row) -> expected.put(key, row.toString()));
        assertThat(shown).as("seed %d", seed).isEqualTo(expected);
    }

    /**
     * In a bootstrap the rollup emits its final rows at the sources' last watermark, before the end
     * of the input: a walk still in progress then must be walked before the watermark goes on, or
     * its retractions would come after the final rows.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void inABootstrapTheLastWatermarkWalksWhatIsLeftBeforeItGoesOn(Backend backend, @TempDir Path savepoint) throws Exception {
        try (var h = new RowKeepingHarness<>(new RowNormaliser(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT,
                KEYS_PER_SLICE).snapshottingAtEnd(new FinalSnapshot(savepoint.toString())), RowNormaliser::key, backend, null)) {
            fill(h, 1_000);
            h.truncate(RowKind.USAGE, 2_000);
            h.slice();
            h.watermark(new Watermark(HOUR));
            assertThat(h.walking()).as("an ordinary watermark walks nothing more").isTrue();
            h.take();
            h.watermark(Watermark.MAX_WATERMARK);
            List<Object> out = h.emittedWithWatermarks();
            assertThat(out).as("the watermark goes on last").last().isEqualTo(Watermark.MAX_WATERMARK);
            assertThat(out).filteredOn(o -> o instanceof StreamRecord<?>).as("the rest of the walk's retractions")
                    .hasSize(1_000 - KEYS_PER_SLICE);
        }
    }

    /** Applies {@code out} to {@code shown}: a retraction only of the image shown, an addition only where none is. */
    private static void check(List<WeightedRow> out, Map<String, String> shown) {
        for (WeightedRow w : out) {
            String image = w.row.toString();
            if (w.weight > 0) {
                assertThat(shown.put(w.row.id, image)).as("added while another image counts: " + image).isNull();
            } else {
                assertThat(shown.remove(w.row.id)).as("retracted: " + image).isEqualTo(image);
            }
        }
    }

    private static String firstNotIn(Set<String> walked, String... also) {
        List<String> excluded = new ArrayList<>(List.of(also));
        for (int i = 0; ; i++) {
            if (!walked.contains(id(i)) && !excluded.contains(id(i))) {
                return id(i);
            }
        }
    }
}
