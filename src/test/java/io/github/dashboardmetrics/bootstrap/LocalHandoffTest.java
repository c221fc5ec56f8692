package io.github.dashboardmetrics.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The bootstrap's outputs handed from the job's operators to the thread that writes them. */
class LocalHandoffTest {
    @Test
    void theOperatorsRecordsReachTheTakerInOrderAndAFullQueueHoldsThemBack() throws Exception {
        try (LocalHandoff<String> handoff = new LocalHandoff<>(2);
                var operator = new OneInputStreamOperatorTestHarness<String, Void>(handoff.operator())) {
            operator.open();
            operator.processElement("a", 0);
            operator.processElement("b", 0);
            // a third record waits for room: the job's backpressure, not a lost row
            CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
                try {
                    operator.processElement("c", 0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(third).as("put into a full queue").isNotCompleted();
            List<String> taken = new ArrayList<>();
            taken.add(handoff.poll(Duration.ofSeconds(5)));
            third.get(10, TimeUnit.SECONDS);
            for (String next = handoff.pollNow(); next != null; next = handoff.pollNow()) {
                taken.add(next);
            }
            assertThat(taken).containsExactly("a", "b", "c");
            assertThat(handoff.poll(Duration.ofMillis(10))).isNull();
        }
    }

    @Test
    void anOperatorWhoseHandoffIsNotInThisJvmFailsAtOpen() throws Exception {
        LocalHandoff<String> closed = new LocalHandoff<>(1);
        closed.close();
        try (var operator = new OneInputStreamOperatorTestHarness<String, Void>(closed.operator())) {
            assertThatThrownBy(operator::open).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("runs only on a local mini cluster");
        }
    }
}
