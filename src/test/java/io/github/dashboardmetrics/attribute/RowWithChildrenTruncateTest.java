package io.github.dashboardmetrics.attribute;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKeepingHarness.Backend;
import io.github.dashboardmetrics.change.RowKeepingHarness;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.state.RowState;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A TRUNCATE of workflow_file_execution in the file execution join, walked in slices, on both
 * state backends: a page contribution for a file the walk has not reached yet must not be routed
 * through the file the TRUNCATE removed; the file is retracted once, with the pages it had, and
 * its pages stay for a file execution inserted again later.
 */
class RowWithChildrenTruncateTest {
    private static final long HOUR = 3_600_000L * 500_000;
    private static final String EXECUTION = "30000000-0000-0000-0000-000000000001";
    private static final int FILES = 300;

    private static JoinInput file(String id, long lsn) {
        SourceRow f = new SourceRow(RowKind.WORKFLOW_FILE_EXECUTION, id);
        f.parentId = EXECUTION;
        f.status = "ERROR";
        f.eventTime = HOUR;
        return JoinInput.ofChange(FileExecutions.key(id), new RowChange('c', RowKind.WORKFLOW_FILE_EXECUTION, id, f, lsn, 0));
    }

    private static JoinInput pages(String id, long pages) {
        return JoinInput.ofContribution(new Contribution(FileExecutions.key(id), Contribution.PAGES_OF_RUN, 0, pages, 1, 0));
    }

    /** value/count of the failed pages sent to the execution, over {@code out}. */
    private static String failedPages(List<Contribution> out) {
        long value = 0;
        long count = 0;
        for (Contribution c : out) {
            assertThat(c.target).isEqualTo(Executions.key(EXECUTION));
            assertThat(c.metric).isEqualTo(Metric.FAILED_PAGES.code());
            value += c.value;
            count += c.count;
        }
        return value + "/" + count;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aPageOfAFileTheWalkHasNotReachedIsNotRoutedThroughTheTruncatedFile(Backend backend) throws Exception {
        try (var h = new RowKeepingHarness<>(new FileExecutions(RowState.DEFAULT_DELETED_ROW_HORIZON, RetentionPolicy.DEFAULT,
                50), JoinInput::key, backend, null)) {
            for (int i = 0; i < FILES; i++) {
                h.add(file("f" + i, 1 + i));
                h.add(pages("f" + i, 2));
            }
            assertThat(failedPages(h.take())).isEqualTo(FILES * 2 + "/" + FILES);

            h.truncate(RowKind.WORKFLOW_FILE_EXECUTION, 5_000);
            assertThat(h.take()).isEmpty();
            h.add(pages("f7", 3)); // no slice ran: f7 is not walked yet
            List<Contribution> out = h.take();
            assertThat(out).as("the file retracted with its 2 pages, the 3 new ones not sent through it").hasSize(1);
            assertThat(failedPages(out)).isEqualTo("-2/-1");

            assertThat(h.walk()).isGreaterThanOrEqualTo(5);
            out = h.take();
            assertThat(out).as("each other file retracted once").hasSize(FILES - 1);
            assertThat(failedPages(out)).isEqualTo(-(FILES - 1) * 2 + "/" + -(FILES - 1));

            h.add(file("f7", 6_000)); // inserted again: its pages, old and new, count again
            assertThat(failedPages(h.take())).isEqualTo("5/1");
            h.add(pages("f8", 4)); // a file the walk retracted: nothing to route through
            assertThat(h.take()).isEmpty();
        }
    }
}
