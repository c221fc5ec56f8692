package io.github.dashboardmetrics.source;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import java.io.IOException;
import java.io.Serializable;
import java.util.Set;

/**
 * Turns one Debezium change event (JSON, with or without the {@code schema}/{@code payload}
 * wrapper) into a {@link RowChange}. Returns null for messages that carry no row change
 * (tombstones, heartbeats, transaction markers, schema changes); throws {@link BadChangeEvent}
 * for everything else it cannot apply, with as much of the event as it could read.
 */
public final class DebeziumDecoder implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Bare NaN and Infinity are read as numbers, so that the cost rule refuses them with a reason. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    /** Payload fields of Debezium's control messages: heartbeats, transaction markers, schema changes. */
    private static final Set<String> CONTROL_FIELDS =
            Set.of("ts_ms", "status", "id", "event_count", "data_collections", "ddl", "tableChanges", "databaseName",
                    "schemaName", "source");

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
        JsonNode payload = root;
        if (root.has("schema") && !root.has("op")) {
            if (!root.has("payload")) {
                throw new BadChangeEvent("envelope without payload");
            }
            payload = root.get("payload");
            if (payload.isNull()) {
                return null; // tombstone with schema wrapper
            }
            if (!payload.isObject()) {
                throw new BadChangeEvent("payload is not a JSON object");
            }
        }
        JsonNode opNode = payload.get("op");
        if (opNode == null || opNode.isNull()) {
            if (isControlMessage(payload)) {
                return null;
            }
            throw new BadChangeEvent("no op: neither a row change nor a Debezium control message");
        }
        String op = opNode.asText();
        JsonNode source = payload.path("source");
        String table = source.path("table").asText(null);
        String position = positionOf(source);
        try {
            return rowChange(op, table, source, payload);
        } catch (BadChangeEvent e) {
            throw e.at(table, position);
        }
    }

    private static RowChange rowChange(String op, String table, JsonNode source, JsonNode payload)
            throws BadChangeEvent {
        if (table == null) {
            throw new BadChangeEvent("no source.table");
        }
        RowKind kind = RowKind.ofTable(table);
        if (kind == null) {
            throw new BadChangeEvent("table " + table + " is not one the job captures");
        }
        long lsn = source.path("lsn").isIntegralNumber() ? source.path("lsn").asLong() : -1L;
        long tsMs = source.path("ts_ms").isIntegralNumber() ? source.path("ts_ms").asLong() : 0L;
        switch (op) {
            case "c":
            case "r":
            case "u": {
                JsonNode after = payload.get("after");
                if (after == null || !after.isObject()) {
                    throw new BadChangeEvent("op " + op + " without an after image");
                }
                JsonRowFields fields = new JsonRowFields(after);
                String key = fields.requiredText("id");
                try {
                    SourceRow row = RowProjection.project(kind, fields);
                    return new RowChange(op.charAt(0), kind, key, row, lsn, tsMs);
                } catch (BadChangeEvent e) {
                    // The row is invalid in the source: take its earlier image out, as verify's
                    // recomputation leaves invalid rows out (RowValidity). An unreadable image
                    // says nothing about the row: it keeps its last good image.
                    throw e.isInvalidRow() ? e.retracting(new RowChange('d', kind, key, null, lsn, tsMs)) : e;
                }
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
                return new RowChange('t', kind, null, null, lsn, tsMs); // every row of the table goes
            default:
                throw new BadChangeEvent("unknown op '" + op + "'");
        }
    }

    /** Heartbeats ({@code ts_ms}), transaction markers and schema changes: only control fields. */
    private static boolean isControlMessage(JsonNode payload) {
        if (payload.size() == 0) {
            return false;
        }
        var names = payload.fieldNames();
        while (names.hasNext()) {
            if (!CONTROL_FIELDS.contains(names.next())) {
                return false;
            }
        }
        return true;
    }

    /** The event's own position: WAL position and transaction id, as far as present. */
    private static String positionOf(JsonNode source) {
        JsonNode lsn = source.path("lsn");
        JsonNode txId = source.path("txId");
        if (lsn.isMissingNode() || lsn.isNull()) {
            return txId.isMissingNode() || txId.isNull() ? null : "txId=" + txId.asText();
        }
        return "lsn=" + lsn.asText() + (txId.isMissingNode() || txId.isNull() ? "" : " txId=" + txId.asText());
    }
}
