package io.github.dashboardmetrics.source;

import io.github.dashboardmetrics.change.RowChange;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.cdc.debezium.JsonDebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Flink CDC's records as {@link ChangeMessage}s: row changes decoded straight from the record
 * ({@link StructDecoder}); everything else as the Debezium JSON envelope without schemas (the
 * shape a Kafka Connect topic carries), for the decoder both sources share.
 */
final class CdcChangeMessages implements DebeziumDeserializationSchema<ChangeMessage> {
    private static final long serialVersionUID = 1L;
    private final JsonDebeziumDeserializationSchema json = new JsonDebeziumDeserializationSchema(false);

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeMessage> out) throws Exception {
        RowChange decoded = StructDecoder.decode(record);
        if (decoded != null) {
            out.collect(ChangeMessage.decoded(decoded));
            return;
        }
        json.deserialize(record, new Collector<String>() {
            @Override
            public void collect(String value) {
                out.collect(ChangeMessage.of(value));
            }

            @Override
            public void close() {}
        });
    }

    @Override
    public TypeInformation<ChangeMessage> getProducedType() {
        return TypeInformation.of(ChangeMessage.class);
    }
}
