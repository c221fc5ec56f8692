package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.config.KafkaClientProperties;
import io.github.dashboardmetrics.config.KafkaSettings;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.UnstractSchemaScript;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.pipeline.CheckpointLocator;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.ProgressTable;
import io.github.dashboardmetrics.sink.SourceProgress;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.DebeziumTopics;
import io.github.dashboardmetrics.source.KafkaPreflight;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on the Kafka topology, with real parts only: PostgreSQL (embedded, logical WAL), the
 * real Debezium PostgreSQL connector with Kafka Connect's JSON converter and the shipped
 * connector configuration ({@code deploy/kafka-connect/}), a real Kafka broker in KRaft mode, and
 * the job reading the topics on a Flink mini cluster. Randomized Unstract-like workloads (the
 * seed is printed), judged by {@code verify}'s SQL recomputation.
 *
 * <p>Each test has its own database (so the connector configuration keeps its schema and table
 * names), replication slot and topic prefix; the broker and the PostgreSQL server are shared.
 */
class KafkaSourceExactnessIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private static EmbeddedDatabase db;
    private static KafkaBroker broker;

    @TempDir
    static Path brokerDir;

    @BeforeAll
    static void startServers() throws Exception {
        db = EmbeddedDatabase.start();
        broker = KafkaBroker.start(brokerDir.resolve("kafka-logs"));
    }

    @AfterAll
    static void stopServers() {
        if (broker != null) {
            broker.close();
        }
        if (db != null) {
            db.close();
        }
    }

    /** One test's Unstract database: its own PostgreSQL database with the schema {@code unstract}. */
    private static DatabaseTarget unstractDatabase(String name, boolean withHitlQueue) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        DatabaseTarget target = new DatabaseTarget("jdbc:postgresql://localhost:" + db.port() + "/" + name,
                db.user(), db.password(), "unstract");
        try (Connection c = target.connect()) {
            UnstractSchemaScript.create(c, "unstract", withHitlQueue);
        }
        return target;
    }

    /** The shipped connector configuration with this test's database, slot and topic prefix. */
    private static Map<String, String> connectorConfig(String database, String topicPrefix, boolean schemas)
            throws Exception {
        Map<String, String> config = new java.util.HashMap<>(DebeziumConnectorOnKafka.shippedConfig());
        config.put("database.hostname", "localhost");
        config.put("database.port", Integer.toString(db.port()));
        config.put("database.dbname", database);
        config.put("database.user", db.user());
        config.put("database.password", db.password());
        config.put("slot.name", database);
        config.put("topic.prefix", topicPrefix);
        config.put("topic.creation.default.replication.factor", "1"); // one broker
        if (schemas) {
            config.put("key.converter.schemas.enable", "true");
            config.put("value.converter.schemas.enable", "true");
        }
        return config;
    }

    /** The job reading the topics; client settings from a properties file, as {@code --kafka-properties}. */
    private static JobConfig jobConfig(DatabaseTarget target, String topicPrefix, Path stateDir, int parallelism)
            throws Exception {
        Path properties = stateDir.resolveSibling(stateDir.getFileName() + "-kafka.properties");
        // New topics (a table's first change) are found within a second instead of 30 s.
        Files.writeString(properties, "partition.discovery.interval.ms=1000\n");
        KafkaSettings kafka = new KafkaSettings(broker.bootstrap(), topicPrefix, "dashboard-metrics-" + topicPrefix,
                KafkaClientProperties.load(properties));
        return new JobConfig(target, target, "unused", "unused", Startup.INITIAL, stateDir, null, 1000,
                RetentionPolicy.DEFAULT, 3_600_000L, parallelism, 0).withKafka(kafka);
    }

    private static VerifyReport awaitExact(DatabaseTarget target) throws Exception {
        try {
            VerifyReport report = Await.until("rollups equal to the recomputation", CATCH_UP,
                    () -> RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now())),
                    VerifyReport::isEqual);
            System.out.println(report.summary(5));
            return report;
        } catch (AssertionError timedOut) {
            VerifyReport last = RollupVerifier.verify(target, target, VerifyScope.everything(Instant.now()));
            throw new AssertionError(timedOut.getMessage() + "\n" + last.summary(20), timedOut);
        }
    }

    private static long seed(String test) {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("KafkaSourceExactnessIT." + test + " seed=" + seed + " (rerun with -Dseed=" + seed + ")");
        return seed;
    }

    private static TopicContents topics(String topicPrefix) {
        return TopicContents.read(broker.bootstrap(), DebeziumTopics.pattern(topicPrefix, "unstract"));
    }

    @Test
    void snapshotAndStreamThroughKafkaAreExact(@TempDir Path dir) throws Exception {
        DatabaseTarget target = unstractDatabase("kafka_stream", true);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(10).withHistoryDays(100).withHitlQueue(true);
        JobConfig jobConfig = jobConfig(target, "stream", dir.resolve("state"), 2);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed("stream"), options)) {
            workload.setUp();
            workload.run(1_500); // history: read by the connector's snapshot
            try (DebeziumConnectorOnKafka connector = DebeziumConnectorOnKafka.start("stream",
                    connectorConfig("kafka_stream", "stream", false), broker.bootstrap(), dir.resolve("offsets.dat"));
                    RunningJob job = RunningJob.start(jobConfig)) {
                workload.run(2_500); // streamed, partly while the snapshot is still being written
                VerifyReport report = awaitExact(target);
                assertThat(report.table(Granularity.HOURLY).actualRows()).isPositive();
                assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                TopicContents contents = topics("stream");
                assertThat(contents.tombstones()).as("deletes were followed by tombstones").isPositive();
                assertThat(contents.withSchemas()).isFalse();
                assertThat(connector.recordsWritten()).isGreaterThanOrEqualTo(contents.size());
                assertThat(KafkaPreflight.check(jobConfig.kafka(), "unstract", Duration.ofSeconds(10)).missing())
                        .as("every captured table has its topic").isEmpty();
                // The "as of" row names the exact position in the topics: every partition's last offset.
                Map<String, Long> last = contents.lastOffsets();
                Await.until("the progress row at the topics' last offsets " + last, Duration.ofSeconds(60),
                        () -> committedOffsets(target), last::equals);
            }
        }
    }

    /** {@code source_offsets} of the progress row, by partition. */
    private static Map<String, Long> committedOffsets(DatabaseTarget target) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT source_offsets::text FROM \"" + target.schema() + "\"." + ProgressTable.TABLE)) {
            SourceProgress read = new SourceProgress();
            read.offsets = rs.next() ? rs.getString(1) : null;
            return read.offsetMap();
        }
    }

    @Test
    void changesPiledUpInKafkaWhileTheJobWasDownAreReadFromItsCheckpoint(@TempDir Path dir) throws Exception {
        DatabaseTarget target = unstractDatabase("kafka_resume", true);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(60).withHitlQueue(true);
        Path stateDir = dir.resolve("state");
        JobConfig config = jobConfig(target, "resume", stateDir, 1);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed("resume"), options);
                DebeziumConnectorOnKafka connector = DebeziumConnectorOnKafka.start("resume",
                        connectorConfig("kafka_resume", "resume", false), broker.bootstrap(), dir.resolve("offsets.dat"))) {
            workload.setUp(); // dimensions only: the fact tables' topics appear once the job runs
            try (RunningJob job = RunningJob.start(config)) {
                assertThat(job.resumed).isFalse();
                workload.run(1_000);
                awaitExact(target);
                Await.until("a completed checkpoint", CATCH_UP,
                        () -> CheckpointLocator.latestCompleted(stateDir.resolve("checkpoints")), Optional::isPresent);
                // Stopped in the middle of a burst: what it wrote after its last checkpoint, partly
                // from transient cross-topic states, is read again and rewritten after the restart.
                workload.run(300);
            }

            long writtenBefore = connector.recordsWritten();
            long changesBefore = workload.counters().rowChanges();
            workload.run(1_500); // while the job is down
            long changesWhileDown = workload.counters().rowChanges() - changesBefore;
            Await.until("the changes made while the job was down to be in Kafka", CATCH_UP,
                    () -> connector.recordsWritten() - writtenBefore, written -> written >= changesWhileDown);

            try (RunningJob job = RunningJob.start(config)) {
                assertThat(job.resumed).as("resumed from the retained checkpoint").isTrue();
                workload.run(500);
                VerifyReport report = awaitExact(target);
                assertThat(report.table(Granularity.DAILY).actualRows()).isPositive();
                assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
            }
        }
    }

    @Test
    void aRangeTheConnectorDeliversAgainChangesNothing(@TempDir Path dir) throws Exception {
        // Unstract OSS (no hitl_queue: its topic never exists) and JSON with embedded schemas.
        DatabaseTarget target = unstractDatabase("kafka_redelivery", false);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(60).withHitlQueue(false);
        Map<String, String> connectorConfig = connectorConfig("kafka_redelivery", "redelivery", true);
        Path offsets = dir.resolve("offsets.dat");
        JobConfig jobConfig = jobConfig(target, "redelivery", dir.resolve("state"), 1);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed("redelivery"), options)) {
            workload.setUp();
            workload.run(800);
            try (RunningJob job = RunningJob.start(jobConfig)) {
                DebeziumConnectorOnKafka connector = DebeziumConnectorOnKafka.start("redelivery", connectorConfig,
                        broker.bootstrap(), offsets);
                try {
                    workload.run(800);
                    awaitExact(target);
                    // The worker writes the next changes to Kafka, then dies before committing their offsets.
                    connector.holdOffsets();
                    long writtenBefore = connector.recordsWritten();
                    long changesBefore = workload.counters().rowChanges();
                    workload.run(800);
                    long changes = workload.counters().rowChanges() - changesBefore;
                    Await.until("the uncommitted changes to be in Kafka", CATCH_UP,
                            () -> connector.recordsWritten() - writtenBefore, written -> written >= changes);
                } finally {
                    connector.close();
                }
                // Restarted, it resumes from its last committed offset and writes them all again.
                try (DebeziumConnectorOnKafka restarted = DebeziumConnectorOnKafka.start("redelivery", connectorConfig,
                        broker.bootstrap(), offsets)) {
                    workload.run(400);
                    Await.until("the changes to be delivered again", CATCH_UP,
                            () -> topics("redelivery").redelivered(), again -> again > 0);
                    VerifyReport report = awaitExact(target);
                    assertThat(report.table(Granularity.MONTHLY).actualRows()).isPositive();
                    assertThat(topics("redelivery").withSchemas()).isTrue();
                    assertThat(KafkaPreflight.check(jobConfig.kafka(), "unstract", Duration.ofSeconds(10)).missing())
                            .containsExactly(DebeziumTopics.topic("redelivery", "unstract", "hitl_queue"));
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                    assertThat(restarted.recordsWritten()).isPositive();
                }
            }
        }
    }

    @Test
    void garbageOnTheTopicsGoesToDeadLettersAndGoodRowsStayExact(@TempDir Path dir) throws Exception {
        DatabaseTarget target = unstractDatabase("kafka_garbage", false);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(30).withHitlQueue(false);
        JobConfig jobConfig = jobConfig(target, "garbage", dir.resolve("state"), 1);
        String usageTopic = DebeziumTopics.topic("garbage", "unstract", "usage");
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed("garbage"), options);
                DebeziumConnectorOnKafka connector = DebeziumConnectorOnKafka.start("garbage",
                        connectorConfig("kafka_garbage", "garbage", false), broker.bootstrap(), dir.resolve("offsets.dat"));
                RunningJob job = RunningJob.start(jobConfig)) {
            workload.setUp();
            workload.run(600);
            awaitExact(target);
            String realUsageId = firstValue(target, "SELECT id::text FROM unstract.usage ORDER BY id LIMIT 1");
            java.util.List<byte[]> garbage = java.util.List.of(
                    bytes("{\"op\":\"c\",\"after\":{"), // malformed JSON
                    bytes("{\"schema\":{\"type\":\"struct\"}}"), // envelope without payload
                    bytes("{\"op\":\"c\",\"source\":{\"table\":\"invoices\",\"lsn\":1},\"after\":{\"id\":\"x\"}}"),
                    bytes("{\"op\":\"c\",\"source\":{\"table\":\"usage\",\"lsn\":2},\"after\":{\"id\":null}}"),
                    // A wrongly typed image of a real row: refused, and the row keeps its last good image.
                    bytes("{\"op\":\"u\",\"source\":{\"table\":\"usage\",\"lsn\":3},\"after\":{\"id\":\"" + realUsageId
                            + "\",\"organization_id\":\"seven\",\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                            + "\"created_at\":\"2026-01-01T00:00:00Z\"}}"),
                    new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41}, // not UTF-8, with a NUL
                    bytes("{\"op\":\"c\",\"source\":{\"table\":\"usage\",\"lsn\":4},\"after\":{\"id\":\"u-x\","
                            + "\"organization_id\":1,\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                            + "\"created_at\":\"2026-01-01 00:00:00\"}}")); // timestamp without a time zone
            try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = byteProducer()) {
                int n = 0;
                for (byte[] value : garbage) { // keyed: the compacted topics refuse records without a key
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(usageTopic,
                            bytes("{\"id\":\"garbage-" + n++ + "\"}"), value)).get();
                }
            }
            workload.run(600);
            awaitExact(target);
            java.util.List<String[]> letters = Await.until("a dead letter for each garbage message", CATCH_UP,
                    () -> deadLetters(target), rows -> rows.size() >= garbage.size());
            assertThat(letters).hasSize(garbage.size());
            assertThat(letters).allSatisfy(letter -> {
                assertThat(letter[1]).isEqualTo(io.github.dashboardmetrics.source.DeadLetter.DROPPED);
                assertThat(letter[2]).matches(Pattern.quote(usageTopic) + "/\\d+@\\d+.*");
            });
            assertThat(letters).extracting(letter -> letter[0]).anyMatch(r -> r.startsWith("not JSON"))
                    .anyMatch(r -> r.equals("envelope without payload")).anyMatch(r -> r.contains("invoices"))
                    .anyMatch(r -> r.contains("column id")).anyMatch(r -> r.contains("organization_id is not an integer"))
                    .anyMatch(r -> r.contains("created_at is not an ISO-8601"));
            assertThat(letters).extracting(letter -> letter[3]).anyMatch(p -> p.contains("\\u0000A"));
            assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> byteProducer() {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("bootstrap.servers", broker.bootstrap());
        return new org.apache.kafka.clients.producer.KafkaProducer<>(props,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    private static String firstValue(DatabaseTarget target, String sql) throws Exception {
        try (Connection c = target.connect(); Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** reason, action, source_position, payload of every dead letter. */
    private static java.util.List<String[]> deadLetters(DatabaseTarget target) throws Exception {
        java.util.List<String[]> rows = new java.util.ArrayList<>();
        try (Connection c = target.connect(); Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT reason, action, source_position, payload FROM unstract."
                        + io.github.dashboardmetrics.sink.DeadLetterTable.TABLE)) {
            while (rs.next()) {
                rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        return rows;
    }

    @Test
    void theBrokerRestartedWhileTheJobConsumesChangesNothing(@TempDir Path dir) throws Exception {
        DatabaseTarget target = unstractDatabase("kafka_broker_restart", true);
        WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                .withOrganizations(5).withHistoryDays(60).withHitlQueue(true);
        JobConfig config = jobConfig(target, "brokerrestart", dir.resolve("state"), 1);
        try (WorkloadGenerator workload = new WorkloadGenerator(target, seed("brokerRestart"), options);
                DebeziumConnectorOnKafka connector = DebeziumConnectorOnKafka.start("brokerrestart",
                        connectorConfig("kafka_broker_restart", "brokerrestart", false), broker.bootstrap(),
                        dir.resolve("offsets.dat"))) {
            workload.setUp();
            workload.run(1_000);
            try (RunningJob job = RunningJob.start(config)) {
                awaitExact(target);
                long writtenBefore = connector.recordsWritten();
                workload.run(1_000);
                Await.until("a burst of changes in Kafka for the job to consume", CATCH_UP,
                        () -> connector.recordsWritten() - writtenBefore, written -> written >= 200);
                broker.stop(); // while the job consumes the burst
                workload.run(500); // the connector cannot deliver these until the broker is back
                broker.startAgain();
                workload.run(500);
                VerifyReport report = awaitExact(target);
                assertThat(report.table(Granularity.HOURLY).actualRows()).isPositive();
                assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
            }
        }
    }

    @Test
    void runStopsWithOneLineWhenTheBrokersCannotBeReached(@TempDir Path dir) throws Exception {
        DatabaseTarget target = unstractDatabase("kafka_cli", false);
        Path properties = dir.resolve("client.properties");
        // Passed through to the client: give up after 2 s instead of 30 s.
        Files.writeString(properties, "request.timeout.ms=1000\ndefault.api.timeout.ms=2000\n");
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream originalErr = System.err;
        int exit;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            exit = io.github.dashboardmetrics.cli.Main.execute("run", "--source", "kafka",
                    "--kafka-bootstrap", "127.0.0.1:1", "--kafka-properties", properties.toString(),
                    "--db-url", target.jdbcUrl(), "--db-user", target.user(),
                    "--db-password-file", io.github.dashboardmetrics.cli.TestPasswordFile.path(),
                    "--state-dir", dir.resolve("state").toString());
        } finally {
            System.setErr(originalErr);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("dashboard-metrics: cannot list the topics of Kafka at 127.0.0.1:1");
    }
}
