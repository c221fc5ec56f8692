package io.github.dashboardmetrics.demo;

/** Rows inserted, updated and deleted in one table. */
public record TableChanges(long inserts, long updates, long deletes) {
    public static final TableChanges NONE = new TableChanges(0, 0, 0);

    public long total() {
        return inserts + updates + deletes;
    }

    public TableChanges plus(TableChanges other) {
        return new TableChanges(inserts + other.inserts, updates + other.updates, deletes + other.deletes);
    }
}
