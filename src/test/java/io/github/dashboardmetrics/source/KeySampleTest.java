package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap's key ranges on a real PostgreSQL, for keys nobody chose evenly: time-ordered
 * uuids that share their leading bits (as uuid v7 and many generators make them) must still give
 * every reader a fair share, and any keys at all must be covered exactly once.
 */
class KeySampleTest {
    private static final int ROWS = 60_000;
    private static final int PARTS = 8;
    private static EmbeddedDatabase db;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String schema : new String[] {"ordered", "random", "empty", "few"}) {
                st.execute("CREATE SCHEMA " + schema);
                // a row of some width, so the table spans far more blocks than are sampled
                st.execute("CREATE TABLE " + schema + ".usage (id uuid PRIMARY KEY, pad text NOT NULL)");
            }
            // uuid v7 layout, 48 bits of milliseconds first: one millisecond apart, all of them lie
            // within two values of the leading 32 bits
            st.execute("INSERT INTO ordered.usage SELECT (lpad(to_hex(1733000000000 + i), 12, '0') || '7000'"
                    + " || '8000' || lpad(to_hex(i), 12, '0'))::uuid, repeat('x', 100)"
                    + " FROM generate_series(1, " + ROWS + ") i");
            st.execute("INSERT INTO random.usage SELECT gen_random_uuid(), repeat('x', 100)"
                    + " FROM generate_series(1, " + ROWS + ")");
            st.execute("INSERT INTO few.usage SELECT gen_random_uuid(), 'x' FROM generate_series(1, 3)");
        }
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void timeOrderedKeysAreSplitIntoEqualShares() throws Exception {
        List<Long> counts = countsPerRange("ordered");
        System.out.println("rows per range, time-ordered keys: " + counts);
        assertThat(counts).hasSize(PARTS);
        assertThat(counts.stream().mapToLong(Long::longValue).sum()).isEqualTo(ROWS);
        assertThat(counts).allSatisfy(n -> assertThat(n).isBetween((long) ROWS / PARTS / 2, (long) ROWS / PARTS * 2));
        // what the split of the uuid's value space would do with them: every row in one range
        try (Connection c = db.connect()) {
            List<Long> evenSplit = new ArrayList<>();
            List<String> evenCuts = new ArrayList<>();
            for (int i = 1; i < PARTS; i++) { // the uuids whose leading 32 bits are i / PARTS of their space
                evenCuts.add(String.format(Locale.ROOT, "%08x-0000-0000-0000-000000000000", (1L << 32) * i / PARTS));
            }
            for (KeyRange r : KeyRange.between(RowKind.USAGE, evenCuts)) {
                evenSplit.add(count(c, "ordered", r));
            }
            assertThat(evenSplit).contains((long) ROWS);
        }
    }

    @Test
    void randomKeysToo() throws Exception {
        List<Long> counts = countsPerRange("random");
        assertThat(counts).hasSize(PARTS);
        assertThat(counts.stream().mapToLong(Long::longValue).sum()).isEqualTo(ROWS);
        assertThat(counts).allSatisfy(n -> assertThat(n).isBetween((long) ROWS / PARTS / 2, (long) ROWS / PARTS * 2));
    }

    @Test
    void tablesWithFewOrNoRowsAreCoveredWhole() throws Exception {
        assertThat(countsPerRange("empty")).containsExactly(0L);
        List<Long> few = countsPerRange("few");
        assertThat(few.size()).isBetween(1, 4);
        assertThat(few.stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
    }

    @Test
    void cutsAtEvenStepsStrictlyIncreasing() {
        assertThat(KeySample.quantiles(List.of("a", "b", "c", "d"), 2)).containsExactly("c");
        assertThat(KeySample.quantiles(List.of("a", "a", "a", "b"), 4)).containsExactly("a", "b");
        assertThat(KeySample.quantiles(List.of(), 4)).isEmpty();
        assertThat(KeyRange.between(RowKind.USAGE, List.of())).containsExactly(KeyRange.all(RowKind.USAGE));
        assertThat(KeyRange.between(RowKind.USAGE, List.of("a", "b"))).containsExactly(
                new KeyRange(RowKind.USAGE, null, "a"), new KeyRange(RowKind.USAGE, "a", "b"),
                new KeyRange(RowKind.USAGE, "b", null));
        assertThatThrownBy(() -> KeyRange.between(RowKind.USAGE, List.of("b", "a")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The rows of each sampled range of {@code schema}.usage. */
    private static List<Long> countsPerRange(String schema) throws Exception {
        List<Long> counts = new ArrayList<>();
        try (Connection c = db.connect()) {
            for (KeyRange r : KeySample.ranges(c, schema, RowKind.USAGE, PARTS)) {
                counts.add(count(c, schema, r));
            }
        }
        return counts;
    }

    private static long count(Connection c, String schema, KeyRange r) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + schema + ".usage" + r.where())) {
            r.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
