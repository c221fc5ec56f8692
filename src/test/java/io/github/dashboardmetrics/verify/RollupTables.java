package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Writes rows into the three rollup tables the way a writer would (it supplies id and times). */
final class RollupTables {
    private RollupTables() {}

    static void clear(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (Granularity g : Granularity.values()) {
                s.execute("DELETE FROM " + g.table());
            }
        }
    }

    static void insert(Connection c, Granularity g, Long orgId, Instant bucket, String metricName, String metricType,
            double value, long count, String project, String tag) throws SQLException {
        String sql = "INSERT INTO " + g.table() + " (created_at, modified_at, id, \"" + g.bucketColumn()
                + "\", metric_name, metric_type, metric_value, metric_count, project, tag, organization_id)"
                + " VALUES (now(), now(), gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, g == Granularity.HOURLY ? bucket.atOffset(ZoneOffset.UTC)
                    : LocalDate.ofInstant(bucket, ZoneOffset.UTC));
            s.setString(2, metricName);
            s.setString(3, metricType);
            s.setDouble(4, value);
            s.setLong(5, count);
            s.setString(6, project);
            s.setString(7, tag);
            s.setObject(8, orgId);
            s.executeUpdate();
        }
    }
}
