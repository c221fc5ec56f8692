package io.github.dashboardmetrics.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class UnstractSchemaScriptTest {

    @Test
    void splitsOnSemicolonsOutsideCommentsAndQuotes() {
        String script = """
                -- a comment; with a semicolon
                CREATE TABLE "a" ("x" int); -- trailing; comment
                COMMENT ON COLUMN "a"."x" IS 'it''s; fine';
                CREATE TABLE "b;c" ("y" int)
                """;
        assertThat(UnstractSchemaScript.split(script)).containsExactly(
                "CREATE TABLE \"a\" (\"x\" int)",
                "COMMENT ON COLUMN \"a\".\"x\" IS 'it''s; fine'",
                "CREATE TABLE \"b;c\" (\"y\" int)");
    }

    @Test
    void leavesOutOnlyHitlQueueStatementsWhenAsked() {
        List<String> all = UnstractSchemaScript.statements(true);
        List<String> oss = UnstractSchemaScript.statements(false);

        assertThat(all).anyMatch(sql -> sql.startsWith("CREATE TABLE \"hitl_queue\""));
        assertThat(oss).noneMatch(sql -> sql.contains("hitl_queue"));
        // Its CREATE TABLE and its foreign key.
        assertThat(all.size() - oss.size()).isEqualTo(2);
        assertThat(oss).anyMatch(sql -> sql.startsWith("CREATE TABLE \"event_metrics_monthly\""));
    }
}
