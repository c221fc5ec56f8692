package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Decodes the direct source's records straight from Debezium's {@link Struct} (Flink SQL's CDC
 * sources do the same): no JSON text is made and parsed again for every change. It decodes only
 * what it fully understands, a row change of a captured table with a valid image; for anything
 * else it returns null and the record goes the JSON way ({@link DebeziumDecoder}), which skips
 * control messages and turns bad events into dead letters with their payload.
 */
final class StructDecoder {
    private StructDecoder() {}

    /** The row change of a record, or null when the record must be decoded through JSON. */
    static RowChange decode(SourceRecord record) {
        if (!(record.value() instanceof Struct value)) {
            return null;
        }
        try {
            Field opField = value.schema().field("op");
            Field sourceField = value.schema().field("source");
            if (opField == null || sourceField == null) {
                return null;
            }
            String op = value.getString("op");
            Struct source = value.getStruct("source");
            if (op == null || source == null || source.schema().field("table") == null) {
                return null;
            }
            RowKind kind = RowKind.ofTable(source.getString("table"));
            if (kind == null) {
                return null;
            }
            long lsn = longOr(source, "lsn", -1L);
            long tsMs = longOr(source, "ts_ms", 0L);
            switch (op) {
                case "c":
                case "r":
                case "u": {
                    Struct after = value.schema().field("after") == null ? null : value.getStruct("after");
                    if (after == null) {
                        return null;
                    }
                    StructRowFields fields = new StructRowFields(after);
                    String key = fields.requiredText("id");
                    SourceRow row = RowProjection.project(kind, fields);
                    return new RowChange(op.charAt(0), kind, key, row, lsn, tsMs);
                }
                case "d": {
                    Struct before = value.schema().field("before") == null ? null : value.getStruct("before");
                    if (before == null) {
                        return null;
                    }
                    return new RowChange('d', kind, new StructRowFields(before).requiredText("id"), null, lsn, tsMs);
                }
                case "t":
                    return new RowChange('t', kind, null, null, lsn, tsMs);
                default:
                    return null;
            }
        } catch (BadChangeEvent | RuntimeException e) {
            return null; // the JSON way reports it
        }
    }

    private static long longOr(Struct s, String name, long absent) {
        Field f = s.schema().field(name);
        Object v = f == null ? null : s.get(f);
        return v instanceof Number n ? n.longValue() : absent;
    }
}
