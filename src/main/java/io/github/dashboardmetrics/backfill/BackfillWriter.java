package io.github.dashboardmetrics.backfill;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import io.github.dashboardmetrics.sink.RollupStatements;
import io.github.dashboardmetrics.verify.Difference;
import io.github.dashboardmetrics.verify.RollupKey;
import io.github.dashboardmetrics.verify.VerifyReport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the differences between a backfill's recomputation and the rollup tables, in ONE
 * transaction: dashboards see either the old rows or all the corrected ones, never a mix.
 * Missing and wrong rows are upserted with the recomputed absolute values; rows that should not
 * exist (no source rows, or another project/tag) are deleted.
 */
public final class BackfillWriter {
    /** Rows written, per kind of change. */
    public record Applied(long upserted, long deleted) {}

    private BackfillWriter() {}

    public static Applied apply(DatabaseTarget rollup, VerifyReport differences) throws SQLException {
        long upserted = 0;
        long deleted = 0;
        try (Connection c = rollup.connect()) {
            c.setAutoCommit(false);
            Map<Granularity, PreparedStatement> deletes = new EnumMap<>(Granularity.class);
            try {
                for (Granularity g : Granularity.values()) {
                    deletes.put(g, c.prepareStatement("DELETE FROM \"" + rollup.schema() + "\".\"" + g.table()
                            + "\" WHERE organization_id IS NOT DISTINCT FROM ? AND \"" + g.bucketColumn()
                            + "\" = ? AND metric_name = ? AND project = ? AND tag = ?"));
                }
                List<RollupRow> toUpsert = new ArrayList<>();
                for (VerifyReport.TableResult table : differences.tables()) {
                    Granularity g = table.granularity();
                    // A wrong row can differ in several ways at once: write it once.
                    Map<RollupKey, Difference> wrong = new java.util.LinkedHashMap<>();
                    for (Difference d : table.differences()) {
                        if (d.kind() == Difference.Kind.EXTRA) {
                            // Any project and tag: one row at a time (there are few).
                            bindDelete(deletes.get(g), d.key());
                            deletes.get(g).addBatch();
                            deleted++;
                        } else {
                            wrong.putIfAbsent(d.key(), d);
                        }
                    }
                    for (Difference d : wrong.values()) {
                        toUpsert.add(new RollupRow(g, d.key().organizationId(), d.key().metricName(),
                                d.expected().metricType(), d.key().bucket().toEpochMilli(), d.expected().metricValue(),
                                d.expected().metricCount(), 0L));
                    }
                }
                for (Granularity g : Granularity.values()) {
                    deletes.get(g).executeBatch();
                }
                // Set-based, as the committer writes: a bootstrap upserts every bucket at once.
                RollupStatements.upsertAll(c, rollup.schema(), toUpsert);
                upserted = toUpsert.size();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                for (PreparedStatement ps : deletes.values()) {
                    ps.close();
                }
            }
        }
        return new Applied(upserted, deleted);
    }

    private static void bindDelete(PreparedStatement ps, RollupKey key) throws SQLException {
        ps.setObject(1, key.organizationId(), java.sql.Types.BIGINT);
        ps.setObject(2, key.granularity().bucketParameter(key.bucket().toEpochMilli()));
        ps.setString(3, key.metricName());
        ps.setString(4, key.project());
        ps.setString(5, key.tag());
    }
}
