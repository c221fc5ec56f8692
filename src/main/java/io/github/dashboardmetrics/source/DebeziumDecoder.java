package io.github.dashboardmetrics.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import java.io.IOException;
import java.io.Serializable;

/**
 * Turns one Debezium change event (JSON, with or without the {@code schema}/{@code payload}
 * wrapper) into a {@link RowChange}. Returns null for messages that are not row changes of a
 * captured table (tombstones, heartbeats, schema changes, other tables); throws
 * {@link BadChangeEvent} for messages that claim to be row changes but cannot be read.
 */
public final class DebeziumDecoder implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Decodes one message value; null or empty values (Kafka tombstones) yield null. */
    public RowChange decode(String message) throws BadChangeEvent {
        if (message == null || message.isBlank()) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(message);
        } catch (IOException e) {
            throw new BadChangeEvent("not JSON: " + e.getMessage().split("\n", 2)[0]);
        }
        if (root == null || !root.isObject()) {
            throw new BadChangeEvent("not a JSON object");
        }
        JsonNode payload = root.has("payload") && root.has("schema") ? root.get("payload") : root;
        if (payload == null || payload.isNull()) {
            return null; // tombstone with schema wrapper
        }
        JsonNode opNode = payload.get("op");
        if (opNode == null || opNode.isNull()) {
            return null; // heartbeat or schema-change message: no row change
        }
        String op = opNode.asText();
        JsonNode source = payload.path("source");
        RowKind kind = RowKind.ofTable(source.path("table").asText(null));
        if (kind == null) {
            return null; // not a captured table
        }
        long lsn = source.path("lsn").isNumber() ? source.path("lsn").asLong() : -1L;
        long tsMs = source.path("ts_ms").isNumber() ? source.path("ts_ms").asLong() : 0L;
        switch (op) {
            case "c":
            case "r":
            case "u": {
                JsonNode after = payload.get("after");
                if (after == null || !after.isObject()) {
                    throw new BadChangeEvent("op " + op + " without an after image");
                }
                SourceRow row = RowProjection.project(kind, new JsonRowFields(after));
                return new RowChange(op.charAt(0), kind, row.id, row, lsn, tsMs);
            }
            case "d": {
                JsonNode before = payload.get("before");
                if (before == null || !before.isObject()) {
                    throw new BadChangeEvent("delete without a before image (key)");
                }
                String key = new JsonRowFields(before).requiredText("id");
                return new RowChange('d', kind, key, null, lsn, tsMs);
            }
            case "t":
                throw new BadChangeEvent("TRUNCATE of " + kind.tableName() + " is not supported");
            default:
                throw new BadChangeEvent("unknown op '" + op + "'");
        }
    }
}
