package io.github.dashboardmetrics.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.format.DateTimeParseException;

/**
 * Columns of a Debezium JSON row image with Debezium's default type mapping: uuid and varchar as
 * strings, bigint/int as numbers, double precision as a number, timestamptz as an ISO-8601 string
 * with an offset (io.debezium.time.ZonedTimestamp).
 */
final class JsonRowFields implements RowFields {
    private final JsonNode image;

    JsonRowFields(JsonNode image) {
        this.image = image;
    }

    private JsonNode node(String column) {
        JsonNode n = image.get(column);
        return n == null || n.isNull() ? null : n;
    }

    @Override
    public String text(String column) {
        JsonNode n = node(column);
        return n == null ? null : n.asText();
    }

    @Override
    public Long longValue(String column) throws BadChangeEvent {
        JsonNode n = node(column);
        if (n == null) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.asText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new BadChangeEvent("column " + column + " is not an integer: " + n);
    }

    @Override
    public Double doubleValue(String column) throws BadChangeEvent {
        JsonNode n = node(column);
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.asText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new BadChangeEvent("column " + column + " is not a number: " + n);
    }

    @Override
    public Long timestampMillis(String column) throws BadChangeEvent {
        JsonNode n = node(column);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new BadChangeEvent("column " + column + " is not an ISO-8601 timestamp with time zone: " + n);
        }
        try {
            return IsoTimestamps.epochMillis(n.asText());
        } catch (DateTimeParseException e) {
            throw new BadChangeEvent("column " + column + " is not an ISO-8601 timestamp with time zone: " + n);
        }
    }
}
