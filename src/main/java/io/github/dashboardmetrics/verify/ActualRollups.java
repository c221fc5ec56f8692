package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Reads the rows of one rollup table inside a window, whatever their project, tag or count. */
final class ActualRollups {
    private static final int FETCH_SIZE = 10_000;

    private ActualRollups() {}

    static List<RollupEntry> read(Connection rollup, String schema, Granularity g, BucketWindow window, Long orgId)
            throws SQLException {
        String bucketColumn = SqlNames.quoted(g.bucketColumn());
        SqlFilter filter = new SqlFilter()
                .whenPresent("organization_id = ?", orgId)
                .whenPresent(bucketColumn + " >= ?", boundParameter(g, window.fromInclusive()))
                .whenPresent(bucketColumn + " < ?", boundParameter(g, window.toExclusive()));
        String sql = "SELECT organization_id, " + utcBucket(g, bucketColumn) + " AS bucket, metric_name, metric_type,"
                + " metric_value, metric_count, project, tag FROM " + SqlNames.quoted(schema) + "."
                + SqlNames.quoted(g.table()) + " " + filter.whereClause();
        List<RollupEntry> rows = new ArrayList<>();
        try (PreparedStatement statement = rollup.prepareStatement(sql)) {
            statement.setFetchSize(FETCH_SIZE);
            filter.bind(statement);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    RollupKey key = new RollupKey(g, rs.getObject("organization_id", Long.class),
                            rs.getObject("bucket", LocalDateTime.class).toInstant(ZoneOffset.UTC),
                            rs.getString("metric_name"), rs.getString("project"), rs.getString("tag"));
                    rows.add(new RollupEntry(key, new RollupValue(rs.getString("metric_type"),
                            rs.getDouble("metric_value"), rs.getLong("metric_count"))));
                }
            }
        }
        return rows;
    }

    /** The bucket column as a UTC wall-clock {@code timestamp}, independent of the session time zone. */
    private static String utcBucket(Granularity g, String bucketColumn) {
        return g == Granularity.HOURLY ? bucketColumn + " AT TIME ZONE 'UTC'" : bucketColumn + "::timestamp";
    }

    /**
     * A window bound typed like the column, so the comparison can use its index and involves no
     * time zone: hourly buckets are timestamptz, days and months are dates.
     */
    private static Object boundParameter(Granularity g, Instant bound) {
        if (bound == null) {
            return null;
        }
        return g == Granularity.HOURLY ? bound.atOffset(ZoneOffset.UTC) : LocalDate.ofInstant(bound, ZoneOffset.UTC);
    }
}
