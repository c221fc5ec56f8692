package io.github.dashboardmetrics.demo;

import java.util.Map;
import java.util.TreeMap;

/** Row changes per table made by one transaction, counted as the statements run. */
final class ChangeTally {
    private final Map<String, TableChanges> byTable = new TreeMap<>();

    void inserted(String table, int rows) {
        add(table, new TableChanges(rows, 0, 0));
    }

    void updated(String table, int rows) {
        add(table, new TableChanges(0, rows, 0));
    }

    void deleted(String table, int rows) {
        add(table, new TableChanges(0, 0, rows));
    }

    int total() {
        long total = 0;
        for (TableChanges changes : byTable.values()) {
            total += changes.total();
        }
        return Math.toIntExact(total);
    }

    Map<String, TableChanges> byTable() {
        return byTable;
    }

    void clear() {
        byTable.clear();
    }

    private void add(String table, TableChanges changes) {
        if (changes.total() > 0) {
            byTable.merge(table, changes, TableChanges::plus);
        }
    }
}
