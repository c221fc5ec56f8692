package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DebeziumValuesTest {
    private static List<String> values(String topic, String key, String value) {
        return messages(topic, key, value).stream().map(m -> m.value).toList();
    }

    private static List<ChangeMessage> messages(String topic, String key, String value) {
        List<ChangeMessage> out = new ArrayList<>();
        new DebeziumValues().deserialize(new ConsumerRecord<>(topic, 0, 7L,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)), new Collector<>() {
                    @Override
                    public void collect(ChangeMessage record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    @Test
    void valueIsPassedOnAsText() {
        String envelope = "{\"op\":\"c\",\"after\":{\"id\":\"u1\",\"llm_usage_reason\":\"résumé\"}}";
        assertThat(values("unstract.unstract.usage", "{\"id\":\"u1\"}", envelope)).containsExactly(envelope);
    }

    @Test
    void messagesCarryTheirTopicPartitionAndOffset() {
        assertThat(messages("unstract.unstract.usage", "{\"id\":\"u1\"}", "{}"))
                .extracting(m -> m.position).containsExactly("unstract.unstract.usage/0@7");
        assertThat(messages("unstract.unstract.usage", "{\"id\":\"u1\"}", null))
                .extracting(m -> m.position).containsExactly("unstract.unstract.usage/0@7");
    }

    @Test
    void tombstoneBecomesTheDeleteOfItsKeyWithoutAPosition() throws Exception {
        List<String> out = values("unstract.unstract.usage", "{\"id\":\"u1\"}", null);
        assertThat(out).hasSize(1);
        RowChange delete = new DebeziumDecoder().decode(out.get(0));
        assertThat(delete.op).isEqualTo('d');
        assertThat(delete.kind).isEqualTo(RowKind.USAGE);
        assertThat(delete.key).isEqualTo("u1");
        assertThat(delete.lsn).isEqualTo(-1L);
    }

    @Test
    void tombstoneKeyWithSchemaWrapper() throws Exception {
        String key = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"field\":\"id\"}]},\"payload\":{\"id\":42}}";
        RowChange delete = new DebeziumDecoder().decode(values("p.unstract.organization", key, null).get(0));
        assertThat(delete.kind).isEqualTo(RowKind.ORGANIZATION);
        assertThat(delete.key).isEqualTo("42");
    }

    @Test
    void tombstoneWithoutAUsableKeyIsSkipped() {
        assertThat(values("unstract.unstract.usage", null, null)).isEmpty();
        assertThat(values("unstract.unstract.usage", "not json", null)).isEmpty();
        assertThat(values("unstract.unstract.usage", "\"u1\"", null)).isEmpty();
    }
}
