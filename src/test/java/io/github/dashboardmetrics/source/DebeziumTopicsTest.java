package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DebeziumTopicsTest {
    private final Pattern pattern = DebeziumTopics.pattern("unstract", "unstract");

    @Test
    void matchesTheTopicsOfEveryCapturedTable() {
        assertThat(DebeziumTopics.all("unstract", "unstract")).hasSize(9)
                .allMatch(topic -> pattern.matcher(topic).matches())
                .contains("unstract.unstract.workflow_file_execution", "unstract.unstract.hitl_queue");
    }

    @Test
    void matchesNothingElse() {
        assertThat(pattern.matcher("unstract.unstract.event_metrics_hourly").matches()).isFalse();
        assertThat(pattern.matcher("__debezium-heartbeat.unstract").matches()).isFalse();
        assertThat(pattern.matcher("unstract.other.usage").matches()).isFalse();
        assertThat(pattern.matcher("unstractXunstract.usage").matches()).as("dots are literal").isFalse();
        assertThat(pattern.matcher("unstract.unstract.usage_archive").matches()).isFalse();
    }
}
