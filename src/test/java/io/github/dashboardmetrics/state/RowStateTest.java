package io.github.dashboardmetrics.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.junit.jupiter.api.Test;

/** The TTL of deleted rows: cleaned incrementally in the streaming job, not at all in a bootstrap's bulk load. */
class RowStateTest {
    @Test
    void streamingStatesCleanUpIncrementallyAndBulkLoadStatesDoNot() {
        ValueStateDescriptor<byte[]> streaming = RowState.deleted("deleted-rows", Duration.ofDays(1));
        StateTtlConfig.CleanupStrategies s = streaming.getTtlConfig().getCleanupStrategies();
        assertThat(s.getIncrementalCleanupStrategy()).isNotNull();
        assertThat(s.isCleanupInBackground()).isTrue();

        ValueStateDescriptor<byte[]> bulk = RowState.forBulkLoad(List.of(RowState.deleted("deleted-rows", Duration.ofDays(1))))
                .get(0);
        StateTtlConfig ttl = bulk.getTtlConfig();
        assertThat(ttl.isEnabled()).as("still a TTL state: the same serializer").isTrue();
        assertThat(ttl.getTimeToLive()).isEqualTo(Duration.ofDays(1));
        assertThat(ttl.getUpdateType()).isEqualTo(streaming.getTtlConfig().getUpdateType());
        assertThat(ttl.getStateVisibility()).isEqualTo(streaming.getTtlConfig().getStateVisibility());
        assertThat(ttl.getCleanupStrategies().getIncrementalCleanupStrategy()).isNull();
        assertThat(ttl.getCleanupStrategies().isCleanupInBackground()).isFalse();

        ValueStateDescriptor<byte[]> noTtl = RowState.forBulkLoad(List.of(RowState.rows("row-usage"))).get(0);
        assertThat(noTtl.getTtlConfig().isEnabled()).isFalse();
    }
}
