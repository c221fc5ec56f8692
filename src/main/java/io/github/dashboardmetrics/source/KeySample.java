package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Key ranges of about equal row counts, from a sample of the table's keys. Splitting the uuid's
 * value space evenly balances only keys spread evenly over it, as random
 * (v4) uuids are; time-ordered (v7) or otherwise clustered uuids would all fall into one or two
 * ranges, and one reader would read nearly the whole table. So the ranges are cut at quantiles of
 * a block sample ({@code TABLESAMPLE SYSTEM}, about {@value #SAMPLED_BLOCKS} blocks, whatever the
 * table's size and whether or not it was ever analysed). The ranges cover every key exactly once
 * whatever the sample is: a sample only moves where they are cut.
 */
public final class KeySample {
    /** Blocks sampled per table: some ten thousand keys, a few hundred random reads on a cold disk. */
    static final int SAMPLED_BLOCKS = 300;

    private KeySample() {}

    /**
     * {@code parts} ranges of {@code kind}'s table in {@code schema} (fewer when it has fewer
     * distinct sampled keys; the whole table for one not keyed by uuid, or an empty one).
     */
    public static List<KeyRange> ranges(Connection c, String schema, RowKind kind, int parts) throws SQLException {
        if (kind == RowKind.ORGANIZATION || parts == 1) {
            return List.of(KeyRange.all(kind));
        }
        return KeyRange.between(kind, quantiles(sortedSample(c, schema, kind), parts));
    }

    /** Up to {@code parts - 1} cut points, strictly increasing, at even steps through {@code sorted}. */
    static List<String> quantiles(List<String> sorted, int parts) {
        List<String> cuts = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts && !sorted.isEmpty(); i++) {
            String cut = sorted.get((int) ((long) sorted.size() * i / parts));
            if (cuts.isEmpty() || cut.compareTo(cuts.get(cuts.size() - 1)) > 0) {
                cuts.add(cut);
            }
        }
        return cuts;
    }

    /** The sampled keys in PostgreSQL's uuid order (which is the order of their lower-case text). */
    private static List<String> sortedSample(Connection c, String schema, RowKind kind) throws SQLException {
        String table = "\"" + DatabaseTarget.requireIdentifier(schema, "schema")
                + "\".\"" + kind.tableName() + "\"";
        long blocks;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_relation_size(?::regclass) / current_setting('block_size')::bigint")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                blocks = rs.getLong(1);
            }
        }
        double percent = blocks <= SAMPLED_BLOCKS ? 100.0 : 100.0 * SAMPLED_BLOCKS / blocks;
        String sql = String.format(Locale.ROOT, "SELECT \"id\"::text FROM %s TABLESAMPLE SYSTEM (%.6f) ORDER BY \"id\"",
                table, percent);
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }
}
