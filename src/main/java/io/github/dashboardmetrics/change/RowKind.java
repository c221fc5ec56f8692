package io.github.dashboardmetrics.change;

/**
 * The captured source tables: what a {@link SourceRow} is a projected image of.
 */
public enum RowKind {
    // Captured source tables (the enum name, lower-cased, is the table name).
    ORGANIZATION(1),
    WORKFLOW(2),
    PIPELINE(3),
    API_DEPLOYMENT(4),
    WORKFLOW_EXECUTION(5),
    WORKFLOW_FILE_EXECUTION(6),
    USAGE(7),
    PAGE_USAGE(8),
    HITL_QUEUE(9);

    private final int code;

    RowKind(int code) {
        this.code = code;
    }

    /**
     * The table's stable code (1..31): the key space of its rows in keyed state (see
     * {@code state.RowKeys}). Part of the savepoint contract: never reuse or renumber one.
     */
    public int code() {
        return code;
    }

    /** The PostgreSQL table name of a source kind. */
    public String tableName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Each kind at the index of its code. */
    private static final RowKind[] BY_CODE = new RowKind[32];

    static {
        for (RowKind k : values()) {
            BY_CODE[k.code] = k;
        }
    }

    /** The kind with this {@link #code()}. */
    public static RowKind ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length || BY_CODE[code] == null) {
            throw new IllegalArgumentException("unknown source table code " + code);
        }
        return BY_CODE[code];
    }

    /** The source kind for a table name, or null when the table is not captured. */
    public static RowKind ofTable(String table) {
        if (table == null) {
            return null;
        }
        for (RowKind k : values()) {
            if (k.name().equalsIgnoreCase(table)) {
                return k;
            }
        }
        return null;
    }
}
