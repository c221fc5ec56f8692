package io.github.dashboardmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseTargetTest {
    @Test
    void toStringRedactsThePassword() {
        DatabaseTarget t = new DatabaseTarget("jdbc:postgresql://db:5432/unstract", "metrics", "s3cret-pw", "unstract");
        assertThat(t.toString()).doesNotContain("s3cret-pw").contains("<redacted>").contains("metrics");
        assertThat(new DatabaseTarget("jdbc:postgresql://db/u", "m", "", "unstract").toString()).contains("<none>");
    }

    @Test
    void schemaMustBeAPlainIdentifier() {
        assertThatThrownBy(() -> new DatabaseTarget("jdbc:postgresql://db/u", "m", "", "x\"; DROP"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plain SQL identifier");
    }

    @Test
    void theSocketTimeoutIsTheStatementTimeoutPlusAMarginAndTimeoutsSurviveASchemaChange() {
        DatabaseTarget.Timeouts t = new DatabaseTarget.Timeouts(3, 10, 2);
        assertThat(t.socketSeconds()).isEqualTo(15);
        assertThat(new DatabaseTarget.Timeouts(3, 0, 2).socketSeconds()).as("unbounded statements: no socket timeout")
                .isZero();
        DatabaseTarget target = new DatabaseTarget("jdbc:postgresql://db/u", "m", "", "unstract", t);
        assertThat(target.withSchema("other").timeouts()).isEqualTo(t);
        assertThat(new DatabaseTarget("jdbc:postgresql://db/u", "m", "", "unstract").timeouts())
                .isEqualTo(DatabaseTarget.Timeouts.CONNECT_ONLY);
        assertThatThrownBy(() -> new DatabaseTarget.Timeouts(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
