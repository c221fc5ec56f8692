package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/** A replication connection streaming from a slot, as a running job holds it: the slot is then active. */
public final class ReplicationClient implements AutoCloseable {
    private final Connection connection;
    private final PGReplicationStream stream;

    private ReplicationClient(Connection connection, PGReplicationStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    public static ReplicationClient streamFrom(EmbeddedDatabase db, String slot) throws Exception {
        Properties props = new Properties();
        PGProperty.USER.set(props, db.user());
        PGProperty.PASSWORD.set(props, db.password());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        Connection connection = DriverManager.getConnection(db.jdbcUrl(), props);
        PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                .logical().withSlotName(slot).withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", "any").start();
        return new ReplicationClient(connection, stream);
    }

    @Override
    public void close() throws Exception {
        stream.close();
        connection.close();
    }
}
