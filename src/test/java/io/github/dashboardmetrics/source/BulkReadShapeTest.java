package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKind;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The shape of a bootstrap's bulk read: exactly the columns the projection reads, and key ranges that cover every key once. */
class BulkReadShapeTest {
    @ParameterizedTest
    @EnumSource(RowKind.class)
    void columnsAreTheOnesProjectReads(RowKind kind) throws Exception {
        Set<String> read = new LinkedHashSet<>();
        RowFields recording = new RowFields() {
            @Override
            public String text(String column) {
                read.add(column);
                return "1";
            }

            @Override
            public Long longValue(String column) {
                read.add(column);
                return 1L;
            }

            @Override
            public Double doubleValue(String column) {
                read.add(column);
                return 0.5;
            }

            @Override
            public Long timestampMillis(String column) {
                read.add(column);
                return 1_700_000_000_000L;
            }
        };
        RowProjection.project(kind, recording);
        assertThat(RowProjection.columns(kind)).containsExactlyInAnyOrderElementsOf(read).startsWith("id");
    }
}
