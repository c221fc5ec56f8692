package io.github.dashboardmetrics.source;

import java.time.format.DateTimeParseException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Columns of a row image as Debezium's connector builds it ({@link Struct}), read without a JSON
 * round trip. Debezium's default PostgreSQL mapping: uuid and varchar as strings, bigint and int
 * as integers, double precision as a double, timestamptz as an ISO-8601 string with an offset.
 * Anything else is refused ({@link BadChangeEvent}); the caller then decodes the event through
 * JSON, which reports it the usual way.
 */
final class StructRowFields extends TypedRowFields {
    private final Struct image;

    StructRowFields(Struct image) {
        this.image = image;
    }

    @Override
    Object value(String column) {
        Field field = image.schema().field(column);
        return field == null ? null : image.get(field);
    }

    @Override
    public Long timestampMillis(String column) throws BadChangeEvent {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            try {
                return IsoTimestamps.epochMillis(s);
            } catch (DateTimeParseException e) {
                // refused below
            }
        }
        throw new BadChangeEvent("column " + column + " is not an ISO-8601 timestamp with time zone");
    }
}
