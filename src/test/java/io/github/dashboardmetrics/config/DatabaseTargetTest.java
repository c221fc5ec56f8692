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
}
