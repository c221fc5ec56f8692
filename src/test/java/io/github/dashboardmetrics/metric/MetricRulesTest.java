package io.github.dashboardmetrics.metric;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MetricRulesTest {
    private static final long T = 1_770_000_000_000L;

    private static List<MetricDelta> of(SourceRow row, int weight) {
        List<MetricDelta> out = new ArrayList<>();
        MetricRules.contributions(row, weight, 5L, out::add);
        return out;
    }

    private static SourceRow usage(Long org, String type, String reason, double cost) {
        SourceRow r = new SourceRow(RowKind.USAGE, "u1");
        r.orgId = org;
        r.status = type;
        r.reason = reason;
        r.amount = cost;
        r.eventTime = T;
        return r;
    }

    @ParameterizedTest(name = "usage_type={0} reason={1}")
    @CsvSource(nullValues = "NULL", value = {
        "llm,challenge,llm_calls;llm_usage;challenges",
        "llm,summarize,llm_calls;llm_usage;summarization_calls",
        "llm,extraction,llm_calls;llm_usage",
        "llm,lookup,llm_calls;llm_usage",
        "llm,NULL,llm_calls;llm_usage",
        "llm,'',llm_calls;llm_usage",
        "llm,Challenge,llm_calls;llm_usage",
        "embedding,challenge,",
        "LLM,challenge,"})
    void usageRows(String type, String reason, String expected) {
        List<MetricDelta> out = of(usage(3L, type, reason, 0.25), 1);
        List<String> names = out.stream().map(d -> d.metric.metricName()).toList();
        assertThat(names).containsExactlyInAnyOrder(expected == null ? new String[0] : expected.split(";"));
        for (MetricDelta d : out) {
            assertThat(d.orgId).isEqualTo(3L);
            assertThat(d.count).isEqualTo(1);
            assertThat(d.eventTimeMs).isEqualTo(T);
            assertThat(d.value).isEqualTo(d.metric == Metric.LLM_USAGE ? 0.25 : 1.0);
        }
    }

    @Test
    void retractionNegatesValueAndCount() {
        List<MetricDelta> out = of(usage(3L, "llm", null, 0.5), -1);
        assertThat(out).extracting(d -> d.count).containsOnly(-1L);
        assertThat(out).filteredOn(d -> d.metric == Metric.LLM_USAGE).extracting(d -> d.value).containsExactly(-0.5);
    }

    @Test
    void rowsWithoutOrganisationContributeNothing() {
        assertThat(of(usage(null, "llm", "challenge", 1.0), 1)).isEmpty();
    }

    @Test
    void hitlReviewsByCreationAndCompletionsByApproval() {
        SourceRow h = new SourceRow(RowKind.HITL_QUEUE, "h");
        h.orgId = 1L;
        h.eventTime = T;
        h.status = "approved";
        assertThat(of(h, 1)).extracting(d -> d.metric).containsExactly(Metric.HITL_REVIEWS); // approved_at null
        h.approvedAt = T + 7_200_000L;
        List<MetricDelta> out = of(h, 1);
        assertThat(out).extracting(d -> d.metric).containsExactly(Metric.HITL_REVIEWS, Metric.HITL_COMPLETIONS);
        assertThat(out.get(1).eventTimeMs).isEqualTo(T + 7_200_000L);
        h.status = "pending";
        assertThat(of(h, 1)).extracting(d -> d.metric).containsExactly(Metric.HITL_REVIEWS);
    }
}
