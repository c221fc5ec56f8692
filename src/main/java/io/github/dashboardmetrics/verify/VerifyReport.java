package io.github.dashboardmetrics.verify;

import io.github.dashboardmetrics.rollup.Granularity;
import java.util.List;
import java.util.Objects;

/** What {@link RollupVerifier} found: per table the rows compared and the differences. */
public final class VerifyReport {

    /** The comparison of one rollup table. */
    public record TableResult(Granularity granularity, BucketWindow window, int expectedRows, int actualRows,
            List<Difference> differences) {
        public TableResult {
            differences = List.copyOf(differences);
        }

        public String table() {
            return granularity.table();
        }
    }

    private final VerifyScope scope;
    private final List<TableResult> tables;
    private final List<String> notes;

    public VerifyReport(VerifyScope scope, List<TableResult> tables, List<String> notes) {
        this.scope = Objects.requireNonNull(scope, "scope");
        this.tables = List.copyOf(tables);
        this.notes = List.copyOf(notes);
    }

    public VerifyScope scope() {
        return scope;
    }

    /** Hourly, daily, monthly, in that order. */
    public List<TableResult> tables() {
        return tables;
    }

    public TableResult table(Granularity granularity) {
        return tables.stream().filter(t -> t.granularity() == granularity).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no result for " + granularity));
    }

    /** Remarks on what was compared, e.g. that the source has no hitl_queue table. */
    public List<String> notes() {
        return notes;
    }

    /** Every difference, hourly table first, each table's ordered by key. */
    public List<Difference> differences() {
        return tables.stream().flatMap(t -> t.differences().stream()).toList();
    }

    public boolean isEqual() {
        return tables.stream().allMatch(t -> t.differences().isEmpty());
    }

    /** Per-table counts, then the first {@code maxDifferences} differences, one per line. */
    public String summary(int maxDifferences) {
        StringBuilder out = new StringBuilder();
        out.append("Scope: ").append(scope.describe()).append('\n');
        notes.forEach(note -> out.append("Note: ").append(note).append('\n'));
        for (TableResult t : tables) {
            out.append(String.format("%-22s %s: expected %d rows, actual %d rows, %d differences%n", t.table(),
                    t.window().describe(), t.expectedRows(), t.actualRows(), t.differences().size()));
        }
        List<Difference> all = differences();
        if (all.isEmpty()) {
            return out.append("EQUAL: the rollup tables match the recomputation.").toString();
        }
        out.append("NOT EQUAL: ").append(all.size()).append(" differences");
        int shown = Math.min(Math.max(maxDifferences, 0), all.size());
        if (shown > 0) {
            out.append(shown < all.size() ? " (first " + shown + ")" : "").append(':');
        }
        all.subList(0, shown).forEach(d -> out.append("\n  ").append(d.describe()));
        if (shown < all.size() && shown > 0) {
            out.append("\n  ... and ").append(all.size() - shown).append(" more");
        }
        return out.toString();
    }

    /** The summary with the first differences, so a failed wait on a report says what differed. */
    @Override
    public String toString() {
        return summary(10);
    }
}
