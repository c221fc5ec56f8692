package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A real PostgreSQL (embedded binaries) holding Unstract's tables in one or more schemas. */
final class EmbeddedUnstract implements AutoCloseable {
    private static final String DDL_RESOURCE = "/schema/unstract_schema.sql";

    private final EmbeddedPostgres postgres;

    private EmbeddedUnstract(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static EmbeddedUnstract start() throws IOException {
        return new EmbeddedUnstract(EmbeddedPostgres.builder().start());
    }

    DatabaseTarget target(String schema) {
        return new DatabaseTarget("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", "postgres", null,
                schema);
    }

    /** A connection whose search_path is {@code schema}. */
    Connection connect(String schema) throws SQLException {
        return target(schema).connect();
    }

    /** Creates {@code schema} with Unstract's DDL; {@code withHitlQueue=false} is Unstract OSS. */
    void createSchema(String schema, boolean withHitlQueue) throws SQLException, IOException {
        String ddl;
        try (InputStream in = EmbeddedUnstract.class.getResourceAsStream(DDL_RESOURCE)) {
            if (in == null) {
                throw new IOException("missing class path resource " + DDL_RESOURCE);
            }
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Connection c = connect("public"); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("SET search_path TO " + schema);
            s.execute(ddl);
            if (!withHitlQueue) {
                s.execute("DROP TABLE hitl_queue");
            }
        }
    }

    /** Runs one statement in {@code schema}. */
    void execute(String schema, String sql) throws SQLException {
        try (Connection c = connect(schema); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
