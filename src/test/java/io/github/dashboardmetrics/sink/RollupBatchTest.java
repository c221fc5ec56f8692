package io.github.dashboardmetrics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.rollup.Granularity;
import io.github.dashboardmetrics.rollup.RollupRow;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollupBatchTest {
    private static RollupRow row(long org, String metric, long bucket, double value, long count, long sourceTsMs) {
        return new RollupRow(Granularity.HOURLY, org, metric, "counter", bucket, value, count, sourceTsMs);
    }

    @Test
    void keepsTheLastRowPerKeyInTheOrderKeysFirstArrived() {
        RollupBatch batch = new RollupBatch();
        batch.add(row(1, "llm_calls", 0, 1, 1, 10));
        batch.add(row(2, "llm_calls", 0, 5, 5, 11));
        batch.add(row(1, "llm_calls", 0, 0, 0, 12)); // deleted...
        batch.add(row(1, "llm_usage", 0, 0.5, 1, 13));
        batch.add(row(1, "llm_calls", 0, 4, 3, 14)); // ...and back
        batch.add(row(1, "llm_calls", 3_600_000L, 9, 9, 15)); // another bucket: another key
        assertThat(batch.size()).isEqualTo(4);

        List<RollupRow> rows = batch.drain();
        assertThat(rows).extracting(r -> r.orgId + "/" + r.metricName + "/" + r.bucketStart + "=" + r.value + "x" + r.count)
                .containsExactly("1/llm_calls/0=4.0x3", "2/llm_calls/0=5.0x5", "1/llm_usage/0=0.5x1",
                        "1/llm_calls/3600000=9.0x9");
        assertThat(batch.isEmpty()).as("drained").isTrue();
        assertThat(batch.drain()).isEmpty();
    }

    @Test
    void aReplacingRowKeepsTheNewestSourceCommitTimeWithoutChangingTheRowsAdded() {
        RollupBatch batch = new RollupBatch();
        RollupRow newerChange = row(1, "llm_calls", 0, 2, 2, 500);
        RollupRow laterRowOlderCommit = row(1, "llm_calls", 0, 3, 3, 400); // e.g. a late correction of another table
        batch.add(newerChange);
        batch.add(laterRowOlderCommit);
        RollupRow written = batch.drain().get(0);
        assertThat(written.value).isEqualTo(3);
        assertThat(written.sourceTsMs).isEqualTo(500);
        assertThat(laterRowOlderCommit.sourceTsMs).as("input row untouched").isEqualTo(400);
    }
}
