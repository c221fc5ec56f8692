package io.github.dashboardmetrics.demo;

import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * What a workload generator has committed so far: steps, operations by kind and row changes by
 * table (set-up included). An immutable snapshot; two runs with the same seed and options have
 * equal counters.
 */
public record WorkloadCounters(long steps, Map<WorkloadOperation, Long> operations, Map<String, TableChanges> tables) {
    public WorkloadCounters {
        operations = Map.copyOf(operations);
        tables = Map.copyOf(tables);
    }

    /** How often {@code operation} was performed. */
    public long operations(WorkloadOperation operation) {
        return operations.getOrDefault(operation, 0L);
    }

    /** Changes to {@code table} (an unqualified table name such as "usage"). */
    public TableChanges table(String table) {
        return tables.getOrDefault(table, TableChanges.NONE);
    }

    /** All inserted, updated and deleted rows. */
    public long rowChanges() {
        long total = 0;
        for (TableChanges changes : tables.values()) {
            total += changes.total();
        }
        return total;
    }

    /** One line for a live report: totals, then changes per table. */
    public String summary() {
        StringJoiner perTable = new StringJoiner(", ");
        new TreeMap<>(tables).forEach((table, changes) -> perTable.add(table + " " + changes.total()));
        return steps + " transactions, " + rowChanges() + " row changes (" + perTable + ")";
    }

    /** Accumulates committed transactions; thread-safe so that a reporter thread may read it. */
    static final class Accumulator {
        private long steps;
        private final Map<WorkloadOperation, Long> operations = new EnumMap<>(WorkloadOperation.class);
        private final Map<String, TableChanges> tables = new TreeMap<>();

        synchronized void addSetUp(ChangeTally tally) {
            addTables(tally);
        }

        synchronized void addStep(WorkloadOperation operation, ChangeTally tally) {
            steps++;
            operations.merge(operation, 1L, Long::sum);
            addTables(tally);
        }

        synchronized WorkloadCounters snapshot() {
            return new WorkloadCounters(steps, operations, tables);
        }

        private void addTables(ChangeTally tally) {
            tally.byTable().forEach((table, changes) -> tables.merge(table, changes, TableChanges::plus));
        }
    }
}
