package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit of the rollup tables never shows part of a source transaction. Every source
 * transaction here inserts (or deletes) exactly {@value #ROWS_PER_TRANSACTION} LLM calls of one
 * organisation in one hour, so every state that existed in the source has a multiple of
 * {@value #ROWS_PER_TRANSACTION} calls in that hour. A reader polls the hour's row while the
 * transactions stream and the job checkpoints every 100 ms, across an abrupt stop and a restore
 * of the newest checkpoint; a count that is not a multiple is a commit that cut a transaction
 * (before the stream emitter held transactions whole, a few hundred transactions were enough to
 * see one).
 */
class SourceTransactionsIT {
    private static final int ROWS_PER_TRANSACTION = 4;
    private static final int TRANSACTIONS = 2_000;
    private static final int TRANSACTIONS_PER_SECOND = 250;

    @Test
    void noCommitShowsPartOfASourceTransaction(@TempDir Path stateDir) throws Exception {
        long seed = Exactness.seed("SourceTransactionsIT");
        Random random = new Random(seed);
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(1))) {
                workload.setUp();
            }
            long org = organization(target);
            OffsetDateTime hour = OffsetDateTime.now(ZoneOffset.UTC).minusHours(3).truncatedTo(ChronoUnit.HOURS);
            JobConfig config = new JobConfig(target, target, "it_tx", "it_tx", Startup.INITIAL, stateDir, null,
                    100, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
            try (HourReader reader = new HourReader(target, org, hour)) {
                reader.start();
                List<UUID> live = new ArrayList<>();
                try (Connection c = target.connect()) {
                    c.setAutoCommit(false);
                    try (RunningJob first = RunningJob.start(config)) {
                        // The snapshot is committed: what follows is streamed.
                        Await.until("the snapshot committed", Exactness.CATCH_UP,
                                () -> ProgressTable.read(target).isPresent(), done -> done);
                        writeTransactions(c, org, hour, live, random, TRANSACTIONS / 2);
                        long streamed = live.size();
                        Await.until("the first half committed", Exactness.CATCH_UP, reader::lastCount,
                                n -> n == streamed);
                    } // stopped abruptly: the next run restores its newest checkpoint, taken mid-stream
                    writeTransactions(c, org, hour, live, random, 100); // while the job is down
                    try (RunningJob second = RunningJob.start(config)) {
                        writeTransactions(c, org, hour, live, random, TRANSACTIONS / 2);
                        Exactness.awaitExact(target, target);
                        long expected = live.size();
                        Await.until("the hour's row at the final count", Duration.ofSeconds(60), reader::lastCount,
                                n -> n == expected);
                    }
                }
                reader.stop();
                System.out.println("SourceTransactionsIT: " + TRANSACTIONS + " transactions of " + ROWS_PER_TRANSACTION
                        + " rows, a restore from a checkpoint in between; " + reader.reads() + " reads of the hour, "
                        + reader.distinctCounts() + " distinct counts seen; cut transactions seen: " + reader.cuts());
                assertThat(reader.distinctCounts()).as("the reader saw the hour change").isGreaterThanOrEqualTo(8);
                assertThat(reader.cuts()).as("counts that are not a multiple of " + ROWS_PER_TRANSACTION).isEmpty();
            }
        }
    }

    /**
     * {@code n} transactions, each inserting or deleting {@value #ROWS_PER_TRANSACTION} LLM calls of
     * the hour, at most {@value #TRANSACTIONS_PER_SECOND} a second: spread over many checkpoints, so
     * that the reader sees many states (written as fast as possible, a few commits took them all).
     */
    private static void writeTransactions(Connection c, long org, OffsetDateTime hour, List<UUID> live, Random random,
            int n) throws Exception {
        long started = System.nanoTime();
        for (int t = 0; t < n; t++) {
            long due = started + t * 1_000_000_000L / TRANSACTIONS_PER_SECOND;
            long early = due - System.nanoTime();
            if (early > 0) {
                Thread.sleep(early / 1_000_000, (int) (early % 1_000_000)); // the workload's rate
            }
            if (live.size() >= ROWS_PER_TRANSACTION * 5 && random.nextInt(3) == 0) {
                deleteLast(c, live);
            } else {
                insert(c, org, hour.plusMinutes(random.nextInt(60)), live);
            }
            c.commit();
        }
    }

    private static long organization(DatabaseTarget target) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT min(id) FROM organization")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void insert(Connection c, long org, OffsetDateTime at, List<UUID> live) throws Exception {
        for (int i = 0; i < ROWS_PER_TRANSACTION; i++) {
            UUID id = UUID.randomUUID();
            LlmCalls.insert(c, org, at, id); // one statement per row: the changes of a transaction are separate events
            live.add(id);
        }
    }

    private static void deleteLast(Connection c, List<UUID> live) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage WHERE id = ?")) {
            for (int i = 0; i < ROWS_PER_TRANSACTION; i++) {
                ps.setObject(1, live.remove(live.size() - 1));
                ps.executeUpdate();
            }
        }
    }

    /** Polls the hour's llm_calls count on a thread of its own and remembers every count it saw. */
    private static final class HourReader implements AutoCloseable {
        private final DatabaseTarget target;
        private final long org;
        private final OffsetDateTime hour;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong reads = new AtomicLong();
        private final AtomicLong lastCount = new AtomicLong(-1);
        private final java.util.Set<Long> counts = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final Thread thread = new Thread(this::poll, "hour reader");
        private volatile Exception failure;

        HourReader(DatabaseTarget target, long org, OffsetDateTime hour) {
            this.target = target;
            this.org = org;
            this.hour = hour;
        }

        void start() {
            thread.start();
        }

        private void poll() {
            try (Connection c = target.connect(); PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(sum(metric_count), 0) FROM event_metrics_hourly"
                            + " WHERE organization_id = ? AND \"timestamp\" = ? AND metric_name = 'llm_calls'")) {
                ps.setLong(1, org);
                ps.setObject(2, hour);
                while (running.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        long n = rs.getLong(1);
                        counts.add(n);
                        lastCount.set(n);
                        reads.incrementAndGet();
                    }
                    Thread.sleep(5); // poll interval: the reader should not starve the job of CPU
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        long lastCount() throws Exception {
            if (failure != null) {
                throw failure;
            }
            return lastCount.get();
        }

        long reads() {
            return reads.get();
        }

        int distinctCounts() {
            return counts.size();
        }

        List<Long> cuts() {
            return counts.stream().filter(n -> n % ROWS_PER_TRANSACTION != 0).sorted().toList();
        }

        void stop() throws Exception {
            running.set(false);
            thread.join(10_000);
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            thread.join(10_000);
        }
    }
}
