package io.github.dashboardmetrics.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import scala.Option;

/**
 * A real single-node Kafka broker (kafka_2.13 3.4.0, the version of the job's kafka-clients) in
 * KRaft mode, inside the test JVM: broker and controller in one process, listening on 127.0.0.1
 * on free ports, its log in a directory of the caller's. No ZooKeeper, no Docker.
 */
final class KafkaBroker implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final KafkaConfig config;
    private final String bootstrap;
    private KafkaRaftServer server;

    private KafkaBroker(KafkaConfig config, String bootstrap) {
        this.config = config;
        this.bootstrap = bootstrap;
    }

    /**
     * Starts a broker. Topics are not created on first use: like Kafka Connect, the connector
     * creates them with its {@code topic.creation.*} settings (see {@link DebeziumConnectorOnKafka}).
     */
    static KafkaBroker start(Path logDir) throws Exception {
        int brokerPort = freePort();
        int controllerPort = freePort();
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        p.setProperty("auto.create.topics.enable", "false");
        // One broker: every internal topic has a single replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Small memory and thread footprint: the machine runs PostgreSQL and Flink beside it.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(4 << 20)); // allocated up front; default 128 MB
        formatStorage(logDir);
        KafkaBroker broker = new KafkaBroker(KafkaConfig.fromProps(p), "127.0.0.1:" + brokerPort);
        broker.startServer();
        return broker;
    }

    private void startServer() throws Exception {
        server = new KafkaRaftServer(config, Time.SYSTEM, Option.empty());
        server.startup();
        awaitReady();
    }

    /** Stops the broker (a controlled shutdown, what an operator's or orchestrator's restart does). */
    void stop() {
        close();
    }

    /**
     * Starts the stopped broker again on the same ports and log directory: topics, records and
     * committed offsets survive. Returns once it serves again.
     */
    void startAgain() throws Exception {
        startServer();
    }

    /** What {@code kafka-storage.sh format} writes: the cluster and node identity of the log dir. */
    private static void formatStorage(Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Files.writeString(logDir.resolve("meta.properties"),
                "version=1\ncluster.id=" + Uuid.randomUuid() + "\nnode.id=1\n");
    }

    private void awaitReady() throws Exception {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Await.until("the Kafka broker to register", STARTUP,
                    () -> admin.describeCluster().nodes().get().size(), n -> n == 1);
        }
    }

    /** host:port of the broker's listener. */
    String bootstrap() {
        return bootstrap;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
