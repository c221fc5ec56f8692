package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.source.CapturedTables;
import java.util.ArrayList;
import java.util.List;

/** Rows of the source tables, in the target's schema (its search_path). */
final class SourceRows {
    private SourceRows() {}

    /**
     * Adds copies (new ids) of the usage rows until there are at least {@code rows}: rows no
     * workload touches again, only there to make a snapshot long. Returns the usage rows now.
     */
    static long copyUsage(DatabaseTarget target, long rows) throws Exception {
        long existing = Sql.longValue(target, "SELECT count(*) FROM usage");
        long copies = Math.max(0, (rows - existing + existing - 1) / existing);
        Sql.execute(target, "INSERT INTO usage SELECT (jsonb_populate_record(u, jsonb_build_object('id', gen_random_uuid()))).*"
                + " FROM usage u, generate_series(1, " + copies + ")");
        return Sql.longValue(target, "SELECT count(*) FROM usage");
    }

    /** The rows of every captured table: the records an initial snapshot reads. */
    static long captured(DatabaseTarget target) throws Exception {
        List<String> counts = new ArrayList<>();
        for (String table : CapturedTables.required()) {
            counts.add("(SELECT count(*) FROM " + table + ")");
        }
        for (String table : CapturedTables.optional()) {
            if (Sql.longValue(target, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = '" + target.schema()
                    + "' AND tablename = '" + table + "'") > 0) {
                counts.add("(SELECT count(*) FROM " + table + ")");
            }
        }
        return Sql.longValue(target, "SELECT " + String.join(" + ", counts));
    }
}
