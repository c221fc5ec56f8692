package io.github.dashboardmetrics.demo;

import java.sql.Connection;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;

/**
 * A pgoutput replication connection streaming from a slot, as a running job holds it (the slot is
 * then active): for tests that read raw pgoutput messages or need a busy slot.
 */
public final class ReplicationClient implements AutoCloseable {
    private final Connection connection;
    private final PGReplicationStream stream;

    private ReplicationClient(Connection connection, PGReplicationStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    public static ReplicationClient streamFrom(EmbeddedDatabase db, String slot) throws Exception {
        return streamFrom(db, slot, "any");
    }

    public static ReplicationClient streamFrom(EmbeddedDatabase db, String slot, String publication) throws Exception {
        Connection connection = db.connectForReplication();
        PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                .logical().withSlotName(slot).withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", publication).start();
        return new ReplicationClient(connection, stream);
    }

    /** The stream of pgoutput messages. */
    public PGReplicationStream stream() {
        return stream;
    }

    @Override
    public void close() throws Exception {
        stream.close();
        connection.close();
    }
}
