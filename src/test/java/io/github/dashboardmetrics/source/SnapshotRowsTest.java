package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bulk read of a bootstrap against a real PostgreSQL holding a randomized Unstract workload
 * (tricky values included): every row is read exactly once across the key ranges, and projected
 * exactly as the change stream's JSON decoding projects the same row.
 */
class SnapshotRowsTest {
    private static EmbeddedDatabase db;
    private static DatabaseTarget target;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        db.createUnstractSchema("unstract", true);
        target = db.target("unstract");
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("SnapshotRowsTest seed=" + seed + " (rerun with -Dseed=" + seed + ")");
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                WorkloadGenerator.Options.defaults().withOrganizations(5).withHitlQueue(true).withTrickyFraction(0.2))) {
            workload.setUp();
            workload.run(3_000);
        }
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            // A row the metrics refuse (a cost that is not a number): it must go the dead-letter way.
            st.execute("UPDATE unstract.usage SET cost_in_dollars = 'NaN' WHERE id = (SELECT id FROM unstract.usage LIMIT 1)");
        }
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void keyRangesReadEveryRowOnceAndProjectItAsTheStreamWould() throws Exception {
        DebeziumDecoder json = new DebeziumDecoder();
        int refused = 0;
        for (RowKind kind : RowKind.values()) {
            List<ChangeMessage> read = new ArrayList<>();
            try (Connection c = target.connect()) {
                c.setAutoCommit(false);
                for (KeyRange range : KeySample.ranges(c, "unstract", kind, 7)) {
                    SnapshotRows.read(c, "unstract", range, 1234L, read::add);
                }
                c.rollback();
            }
            assertThat(read).as(kind + ": every row once").hasSize((int) count(kind));
            Set<String> keys = new HashSet<>();
            for (ChangeMessage m : read) {
                if (m.decoded == null) {
                    // Refused: the stream's decoding of the same read refuses it too, and retracts the row.
                    refused++;
                    try {
                        json.decode(m.value);
                        throw new AssertionError("the stream's decoding accepts what the bulk read refused: " + m.value);
                    } catch (BadChangeEvent e) {
                        assertThat(e.retraction()).as("retracted, not only dropped: " + m.value).isNotNull();
                    }
                    continue;
                }
                RowChange change = m.decoded;
                assertThat(keys.add(change.key)).as("read once: " + change.key).isTrue();
                assertThat(change.op).isEqualTo('r');
                assertThat(change.lsn).isZero();
                assertThat(change.sourceTsMs).isEqualTo(1234L);
                RowChange viaJson = json.decode(jsonOf(kind, change.key));
                SourceRow expected = viaJson.after;
                assertThat(change.after).as(kind + " " + change.key).isEqualTo(expected);
            }
        }
        assertThat(refused).as("at least the usage row made invalid").isPositive();
    }

    /** The Debezium JSON of a snapshot read of one row, built from the same columns by {@link SnapshotRows#debeziumRead}. */
    private static String jsonOf(RowKind kind, String id) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + String.join(", ", RowProjection.columns(kind)) + " FROM unstract."
                        + kind.tableName() + " WHERE id::text = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            return SnapshotRows.debeziumRead(kind, rs, RowProjection.columns(kind), 1234L);
        }
    }

    private static long count(RowKind kind) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM unstract." + kind.tableName())) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
