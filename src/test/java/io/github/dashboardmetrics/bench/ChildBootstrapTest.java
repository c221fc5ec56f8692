package io.github.dashboardmetrics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The heap peaks of a child JVM, read from the lines its {@code -Xlog:gc} writes (JDK 17, G1). */
class ChildBootstrapTest {
    @Test
    void peaksComeFromTheLargestBeforeAndAfterOfAnyCollection() {
        double[] peaks = ChildBootstrap.heapPeaks(List.of(
                "[0.012s][info][gc] Using G1",
                "[1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 25M->3M(388M) 4.123ms",
                "[9.876s][info][gc] GC(7) Pause Young (Concurrent Start) (G1 Humongous Allocation) 1G->512M(2048M) 30.1ms",
                "[12.000s][info][gc] GC(8) Pause Full (System.gc()) 700M->96M(1024M) 120.5ms",
                "[13.000s][info][gc] GC(9) Pause Young (Normal) (G1 Evacuation Pause) 40960K->20480K(1048576K) 1.0ms"));
        assertThat(peaks).containsExactly(1024.0, 512.0);
    }

    @Test
    void noCollectionMeansNoReading() {
        assertThat(ChildBootstrap.heapPeaks(List.of("[0.012s][info][gc] Using G1"))).containsExactly(0.0, 0.0);
    }
}
