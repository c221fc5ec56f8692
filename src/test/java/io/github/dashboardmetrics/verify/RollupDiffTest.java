package io.github.dashboardmetrics.verify;

import static io.github.dashboardmetrics.rollup.Granularity.HOURLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.github.dashboardmetrics.verify.Difference.Kind;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollupDiffTest {
    private static final Instant HOUR = Instant.parse("2024-03-10T10:00:00Z");

    @Test
    void relativeToleranceOf1e9() {
        assertThat(RollupDiff.sameValue(1e6, 1e6 + 1e-4)).isTrue();
        assertThat(RollupDiff.sameValue(1e6, 1e6 + 1e-2)).isFalse();
        assertThat(RollupDiff.sameValue(0.3, 0.1 + 0.2)).isTrue();
        assertThat(RollupDiff.sameValue(0, 1e-13)).isTrue();
        assertThat(RollupDiff.sameValue(0, 1e-11)).isFalse();
        assertThat(RollupDiff.sameValue(1, Double.NaN)).isFalse();
    }

    @Test
    void oneRowCanBeWrongInSeveralWaysAndDuplicatesAreExtra() {
        RollupKey key = RollupKey.of(HOURLY, 1, HOUR, "llm_usage");
        RollupKey missing = RollupKey.of(HOURLY, 2, HOUR, "llm_calls");
        RollupKey nullOrg = new RollupKey(HOURLY, null, HOUR, "llm_calls", "default", "");
        List<RollupEntry> expected = List.of(
                new RollupEntry(key, new RollupValue("histogram", 0.5, 2)),
                new RollupEntry(missing, new RollupValue("counter", 1, 1)));
        List<RollupEntry> actual = List.of(
                new RollupEntry(key, new RollupValue("counter", 0.7, 3)),
                new RollupEntry(nullOrg, new RollupValue("counter", 1, 1)),
                new RollupEntry(nullOrg, new RollupValue("counter", 1, 1)));

        assertThat(RollupDiff.diff(expected, actual)).extracting(Difference::kind, Difference::key)
                .containsExactly(
                        tuple(Kind.EXTRA, nullOrg),
                        tuple(Kind.EXTRA, nullOrg),
                        tuple(Kind.WRONG_VALUE, key),
                        tuple(Kind.WRONG_COUNT, key),
                        tuple(Kind.WRONG_TYPE, key),
                        tuple(Kind.MISSING, missing));
    }
}
