package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DebeziumValuesTest {
    private static List<String> values(byte[] value) throws Exception {
        List<String> out = new ArrayList<>();
        new DebeziumValues().deserialize(new ConsumerRecord<>("unstract.unstract.usage", 0, 7L,
                "{\"id\":\"u1\"}".getBytes(StandardCharsets.UTF_8), value), new Collector<>() {
                    @Override
                    public void collect(String record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    @Test
    void valueIsPassedOnAsText() throws Exception {
        String envelope = "{\"op\":\"c\",\"after\":{\"id\":\"u1\",\"llm_usage_reason\":\"résumé\"}}";
        assertThat(values(envelope.getBytes(StandardCharsets.UTF_8))).containsExactly(envelope);
    }

    @Test
    void tombstonesAreSkipped() throws Exception {
        assertThat(values(null)).isEmpty();
    }
}
