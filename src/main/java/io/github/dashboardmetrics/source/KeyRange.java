package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A range of primary keys of one captured table, for bulk reads in parallel: {@code from}
 * inclusive, {@code to} exclusive, either null for an open end. Tables keyed by uuid (all but
 * {@code organization}) are split at given keys ({@link #between}, cut where {@link KeySample}
 * finds equal shares of rows); the ranges cover every key exactly once. {@code organization}
 * (bigint identity, one row per organisation) is read whole.
 */
public record KeyRange(RowKind kind, String from, String to) implements Serializable {
    /** The whole table. */
    public static KeyRange all(RowKind kind) {
        return new KeyRange(kind, null, null);
    }

    /**
     * The ranges between {@code cuts} (strictly increasing uuids): below the first, from each to
     * the next, from the last on. No cuts: the whole table.
     */
    public static List<KeyRange> between(RowKind kind, List<String> cuts) {
        List<KeyRange> ranges = new ArrayList<>(cuts.size() + 1);
        String from = null;
        for (String cut : cuts) {
            if (from != null && cut.compareTo(from) <= 0) {
                throw new IllegalArgumentException("cuts must increase: " + cuts);
            }
            ranges.add(new KeyRange(kind, from, cut));
            from = cut;
        }
        ranges.add(new KeyRange(kind, from, null));
        return ranges;
    }

    /** The WHERE clause (with a leading space), or an empty string for the whole table. */
    String where() {
        if (from == null && to == null) {
            return "";
        }
        String cast = "?::uuid";
        if (from == null) {
            return " WHERE \"id\" < " + cast;
        }
        return to == null ? " WHERE \"id\" >= " + cast : " WHERE \"id\" >= " + cast + " AND \"id\" < " + cast;
    }

    /** Binds the bounds {@link #where} names. */
    void bind(PreparedStatement ps) throws SQLException {
        int i = 1;
        if (from != null) {
            ps.setString(i++, from);
        }
        if (to != null) {
            ps.setString(i, to);
        }
    }
}
