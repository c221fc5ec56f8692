package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowKind;
import java.util.ArrayList;
import java.util.List;

/** The source tables the job captures. hitl_queue exists only in Unstract Cloud and is optional. */
public final class CapturedTables {
    private CapturedTables() {}

    /** Tables that must exist. */
    public static List<String> required() {
        List<String> names = new ArrayList<>();
        for (RowKind k : RowKind.values()) {
            if (k != RowKind.HITL_QUEUE) {
                names.add(k.tableName());
            }
        }
        return names;
    }

    /** Tables captured when present. */
    public static List<String> optional() {
        return List.of(RowKind.HITL_QUEUE.tableName());
    }
}
