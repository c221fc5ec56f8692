package io.github.dashboardmetrics.source;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The names Debezium gives the topics of the captured tables: {@code <prefix>.<schema>.<table>},
 * where the prefix is the connector's {@code topic.prefix} ({@code database.server.name} before
 * Debezium 2.0).
 */
public final class DebeziumTopics {
    private DebeziumTopics() {}

    public static String topic(String prefix, String schema, String table) {
        return prefix + "." + schema + "." + table;
    }

    /** The topics of every captured table, hitl_queue included (it may have none). */
    public static List<String> all(String prefix, String schema) {
        List<String> topics = new ArrayList<>();
        for (String table : tables()) {
            topics.add(topic(prefix, schema, table));
        }
        return topics;
    }

    /**
     * Matches exactly the topics of the captured tables. The job subscribes by this pattern rather
     * than by a list because a table's topic only exists once the connector has written to it
     * (an empty table, or hitl_queue outside Unstract Cloud, has none): topics that appear later
     * are found by partition discovery and read from their beginning.
     */
    public static Pattern pattern(String prefix, String schema) {
        return Pattern.compile(Pattern.quote(prefix + "." + schema + ".") + "(" + String.join("|", tables()) + ")");
    }

    private static List<String> tables() {
        List<String> tables = new ArrayList<>(CapturedTables.required());
        tables.addAll(CapturedTables.optional());
        return tables;
    }
}
