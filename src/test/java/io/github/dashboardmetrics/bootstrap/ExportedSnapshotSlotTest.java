package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.source.PreflightException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hand-off a bootstrap relies on, against a real PostgreSQL: what the exported snapshot shows
 * and what the slot then delivers meet exactly, with a transaction open while the slot is
 * created, commits during the read, and several readers in parallel; and a creation held past
 * its limit by an open transaction, cancelled without leaving a slot.
 */
class ExportedSnapshotSlotTest {
    private static final String SCHEMA = "handoff";
    private static EmbeddedDatabase db;
    private static DatabaseTarget target;

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        sql("CREATE SCHEMA " + SCHEMA);
        target = db.target(SCHEMA);
        sql("CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)");
        sql("CREATE PUBLICATION handoff_pub FOR TABLE t");
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theSnapshotAndTheSlotMeetExactlyAtTheConsistentPoint() throws Exception {
        sql("INSERT INTO t SELECT i, 'before' FROM generate_series(1, 100) i");
        ExportedSnapshotSlot slot;
        try (Connection open = target.connect()) {
            // A transaction open while the slot is created: the creation waits for it to end.
            open.setAutoCommit(false);
            try (Statement st = open.createStatement()) {
                st.execute("INSERT INTO t VALUES (500, 'open while the slot was created')");
            }
            CompletableFuture<ExportedSnapshotSlot> creating = CompletableFuture.supplyAsync(() -> {
                try {
                    return ExportedSnapshotSlot.create(target, "handoff_slot", Duration.ZERO, line -> { });
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (one("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'handoff_slot'") == 0) {
                assertThat(System.nanoTime()).as("the slot appears while it waits").isLessThan(deadline);
                Thread.sleep(20); // polling a condition, with a deadline
            }
            assertThat(creating).as("waiting for the open transaction").isNotDone();
            open.commit();
            slot = creating.get(60, TimeUnit.SECONDS);
        }
        try {
            // Committed while the bootstrap reads: in the slot, not in the snapshot.
            sql("INSERT INTO t SELECT i, 'after' FROM generate_series(101, 150) i");
            sql("UPDATE t SET v = 'changed after' WHERE id = 1");
            sql("DELETE FROM t WHERE id = 2");

            List<Connection> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    readers.add(slot.openReader(target));
                }
                for (Connection reader : readers) {
                    assertThat(count(reader, "SELECT count(*) FROM t")).isEqualTo(101);
                    assertThat(count(reader, "SELECT count(*) FROM t WHERE id = 500")).as("the open transaction").isEqualTo(1);
                    assertThat(count(reader, "SELECT count(*) FROM t WHERE v = 'before' AND id IN (1, 2)")).isEqualTo(2);
                }
            } finally {
                for (Connection reader : readers) {
                    reader.close();
                }
            }
        } finally {
            slot.close();
        }
        assertThatThrownBy(() -> slot.openReader(target)).as("the snapshot is released with its connection")
                .isInstanceOf(SQLException.class);

        // What the slot delivers from its consistent point: the 52 changes after it, nothing before.
        String changes = "SELECT chr(get_byte(data, 0)) AS kind, count(*) FROM pg_logical_slot_peek_binary_changes("
                + "'handoff_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'handoff_pub')"
                + " WHERE chr(get_byte(data, 0)) IN ('I', 'U', 'D') GROUP BY 1 ORDER BY 1";
        List<String> kinds = new ArrayList<>();
        try (Connection c = target.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(changes)) {
            while (rs.next()) {
                kinds.add(rs.getString(1) + "=" + rs.getLong(2));
            }
        }
        assertThat(kinds).containsExactly("D=1", "I=50", "U=1");
        assertThat(one("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'handoff_slot'"
                + " AND confirmed_flush_lsn = '" + lsnText(slot.consistentPoint()) + "'"))
                .as("a fresh slot's confirmed position is its consistent point").isEqualTo(1);
        sql("SELECT pg_drop_replication_slot('handoff_slot')");
    }

    @Test
    @Timeout(120) // were the wait not ended, create would block for good
    void aCreationThatWaitsPastItsLimitIsCancelledLeavesNoSlotAndSaysWhatItWaitedFor() throws Exception {
        try (Connection open = target.connect()) {
            open.setAutoCommit(false);
            int holder;
            try (Statement st = open.createStatement()) {
                st.execute("INSERT INTO t VALUES (900, 'held open past the limit')");
                try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    holder = rs.getInt(1);
                }
            }
            List<String> progress = new CopyOnWriteArrayList<>();
            assertThatThrownBy(() -> ExportedSnapshotSlot.create(target, "waiting_slot", Duration.ofSeconds(3),
                    Duration.ofSeconds(1), progress::add))
                    .isInstanceOf(PreflightException.class)
                    .hasMessageMatching("replication slot waiting_slot was not created: after \\d+ s it still waited for the"
                            + " transaction of pid " + holder + " \\(xid \\d+, user \\w+(, application '[^']*')?, idle in transaction, in a transaction since"
                            + " \\S+Z\\)\\. End that transaction, or start again with a longer --slot-wait-timeout-s \\(0: no limit\\)");
            assertThat(progress).as("the wait is reported while it lasts").isNotEmpty()
                    .allMatch(line -> line.contains("still creating the slot after ")
                            && line.contains("now for the transaction of pid " + holder + " "));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (one("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'waiting_slot'") > 0) {
                assertThat(System.nanoTime()).as("the half-made slot is dropped").isLessThan(deadline);
                Thread.sleep(20); // polling a condition, with a deadline
            }
            assertThat(count(open, "SELECT count(*) FROM t WHERE id = 900")).as("the waited-for transaction goes on").isEqualTo(1);
            open.rollback();
        }
    }

    private static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xffffffffL).toUpperCase();
    }

    private static long count(Connection c, String query) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long one(String query) throws SQLException {
        try (Connection c = db.connect()) {
            return count(c, query);
        }
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = target == null ? db.connect() : target.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
