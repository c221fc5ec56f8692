package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Notices status, type and reason values outside the domains Unstract documents. Such a value is
 * not an error: the metric rules apply to it as to any value they do not name (it counts for no
 * metric that requires a particular value), exactly as verify's SQL does, and the spec allows new
 * values (Unstract Cloud adds usage reasons). But a platform team wants to know when Unstract
 * starts writing a value the metrics might have to learn: each one is counted, and reported once
 * per subtask.
 */
final class UnrecognisedValues {
    /** A value seen for the first time: table, column, value. */
    record Sighting(String table, String column, String value) {}

    /** At most this many distinct values are remembered, so a flood of new values cannot grow memory. */
    private static final int MAX_REMEMBERED = 1_000;

    private static final Map<RowKind, Set<String>> STATUS_DOMAINS = Map.of(
            RowKind.WORKFLOW_FILE_EXECUTION,
            Set.of("PENDING", "EXECUTING", "COMPLETED", "STOPPED", "ERROR", "INITIATED", "QUEUED", "READY"),
            RowKind.PIPELINE, Set.of("ETL", "TASK", "DEFAULT", "APP"),
            RowKind.USAGE, Set.of("llm", "embedding"));
    private static final Map<RowKind, String> STATUS_COLUMNS = Map.of(
            RowKind.WORKFLOW_FILE_EXECUTION, "status",
            RowKind.PIPELINE, "pipeline_type",
            RowKind.USAGE, "usage_type");
    private static final Set<String> USAGE_REASONS = Set.of("extraction", "challenge", "summarize", "lookup", "");

    private final Set<Sighting> reported = new HashSet<>();

    /**
     * Counts (through {@code counter}) each unrecognised value of {@code row}, and hands the ones not
     * reported before to {@code firstSighting}.
     */
    void check(SourceRow row, Runnable counter, Consumer<Sighting> firstSighting) {
        Set<String> domain = STATUS_DOMAINS.get(row.kind);
        if (domain != null && row.status != null && !domain.contains(row.status)) {
            seen(new Sighting(row.kind.tableName(), STATUS_COLUMNS.get(row.kind), row.status), counter, firstSighting);
        }
        if (row.kind == RowKind.USAGE && row.reason != null && !USAGE_REASONS.contains(row.reason)) {
            seen(new Sighting(row.kind.tableName(), "llm_usage_reason", row.reason), counter, firstSighting);
        }
    }

    private void seen(Sighting sighting, Runnable counter, Consumer<Sighting> firstSighting) {
        counter.run();
        if (reported.size() < MAX_REMEMBERED && reported.add(sighting)) {
            firstSighting.accept(sighting);
        }
    }
}
