package io.github.dashboardmetrics.source;

import static io.github.dashboardmetrics.source.DebeziumDecoderTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input of RELIABILITY.md, decoded as the job decodes it: each becomes a dead
 * letter with a reason, its position when the event has one, and the right action (dropped, or
 * the row's earlier image retracted when the event names a row).
 */
class BadInputTest {
    private static final String GOOD_USAGE = "\"id\":\"u1\",\"organization_id\":7,\"usage_type\":\"llm\","
            + "\"llm_usage_reason\":\"extraction\",\"created_at\":\"2026-03-01T10:00:00Z\"";
    private static final String GOOD_PAGES = "\"id\":\"p1\",\"organization_id\":\"org_a\",\"run_id\":\"\","
            + "\"created_at\":\"2026-03-01T10:00:00Z\"";

    static Stream<Arguments> badEvents() {
        return Stream.of(
                bad("malformed JSON", "{\"op\":\"c\",\"after\":{", "not JSON", false),
                bad("a JSON array", "[1,2]", "not a JSON object", false),
                bad("an envelope without payload", "{\"schema\":{\"type\":\"struct\"}}", "envelope without payload", false),
                bad("a payload that is no change event", "{\"after\":{\"id\":\"x\"}}", "no op", false),
                bad("an unknown table", envelope("c", "invoices", "null", "{\"id\":\"x\"}"), "not one the job captures", false),
                bad("a rollup table", envelope("c", "event_metrics_hourly", "null", "{\"id\":\"x\"}"), "not one the job captures", false),
                bad("no source table", "{\"op\":\"c\",\"after\":{\"id\":\"x\"},\"source\":{}}", "no source.table", false),
                bad("an unknown op", envelope("x", "usage", "null", "null"), "unknown op", false),
                bad("an insert without after image", envelope("c", "usage", "null", "null"), "without an after image", false),
                bad("a delete without key", envelope("d", "usage", "null", "null"), "without a before image", false),
                bad("a null key", envelope("c", "usage", "null", "{\"id\":null,\"organization_id\":7}"), "column id", false),
                bad("a missing cost", usage("\"cost_in_dollars\":null"), "cost_in_dollars is missing", true),
                bad("a cost as text", usage("\"cost_in_dollars\":\"cheap\""), "cost_in_dollars is not a number", false),
                bad("a NaN cost (quoted, as Kafka Connect writes it)", usage("\"cost_in_dollars\":\"NaN\""), "not a finite number", true),
                bad("a NaN cost (bare token)", usage("\"cost_in_dollars\":NaN"), "not a finite number", true),
                bad("an infinite cost", usage("\"cost_in_dollars\":\"Infinity\""), "not a finite number", true),
                bad("a cost beyond double", usage("\"cost_in_dollars\":1e999"), "not a finite number", true),
                bad("an organisation id as text", envelope("c", "usage", "null",
                        "{\"id\":\"u1\",\"organization_id\":\"seven\",\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                                + "\"created_at\":\"2026-03-01T10:00:00Z\"}"), "organization_id is not an integer", false),
                bad("a timestamp without time zone", envelope("c", "usage", "null",
                        "{\"id\":\"u1\",\"organization_id\":7,\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                                + "\"created_at\":\"2026-03-01T10:00:00\"}"), "created_at is not an ISO-8601 timestamp with time zone", false),
                bad("a timestamp as a number", envelope("c", "usage", "null",
                        "{\"id\":\"u1\",\"organization_id\":7,\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                                + "\"created_at\":1700000000000}"), "created_at is not an ISO-8601", false),
                bad("a timestamp far in the past", pages("\"pages_processed\":3", "1970-01-01T00:00:00Z"), "created_at is outside", true),
                bad("a timestamp far in the future", pages("\"pages_processed\":3", "9999-12-31T23:00:00Z"), "created_at is outside", true),
                bad("a negative page count", pages("\"pages_processed\":-4", "2026-03-01T10:00:00Z"), "pages_processed is outside", true),
                bad("a page count beyond integer", pages("\"pages_processed\":4000000000", "2026-03-01T10:00:00Z"), "pages_processed is outside", true),
                bad("a page count beyond long", pages("\"pages_processed\":99999999999999999999", "2026-03-01T10:00:00Z"), "pages_processed is not an integer", false),
                bad("a dropped column the metrics read", envelope("u", "page_usage", "null",
                        "{\"id\":\"p1\",\"organization_id\":\"org_a\",\"run_id\":\"\",\"created_at\":\"2026-03-01T10:00:00Z\"}"),
                        "pages_processed is missing", true),
                bad("an approval time far in the future", envelope("u", "hitl_queue", "null",
                        "{\"id\":\"h1\",\"organization_id\":7,\"state\":\"approved\",\"created_at\":\"2026-03-01T10:00:00Z\","
                                + "\"approved_at\":\"2999-01-01T00:00:00Z\"}"), "approved_at is outside", true));
    }

    private static Arguments bad(String what, String message, String reason, boolean retracts) {
        return Arguments.of(what, message, reason, retracts);
    }

    private static String usage(String cost) {
        return envelope("u", "usage", "null", "{" + GOOD_USAGE + "," + cost + "}");
    }

    private static String pages(String pages, String createdAt) {
        return envelope("u", "page_usage", "null",
                "{" + GOOD_PAGES.replace("2026-03-01T10:00:00Z", createdAt) + "," + pages + "}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void becomesADeadLetter(String what, String message, String reason, boolean retracts) {
        BadChangeEvent refused = null;
        try {
            new DebeziumDecoder().decode(message);
        } catch (BadChangeEvent e) {
            refused = e;
        }
        assertThat(refused).as(what + " is refused").isNotNull();
        DeadLetter letter = DecodeChanges.deadLetter(new ChangeMessage(message, "t/0@5"), refused, 1234L);
        assertThat(letter.reason).contains(reason);
        assertThat(letter.payload).isEqualTo(message);
        assertThat(letter.detectedAtMs).isEqualTo(1234L);
        assertThat(letter.sourcePosition).startsWith("t/0@5");
        if (message.contains("\"lsn\":2345678")) {
            assertThat(letter.sourcePosition).contains("lsn=2345678").contains("txId=42");
        }
        assertThat(letter.action).isEqualTo(retracts ? DeadLetter.ROW_RETRACTED : DeadLetter.DROPPED);
        if (retracts) {
            RowChange retraction = refused.retraction();
            assertThat(retraction.op).isEqualTo('d');
            assertThat(retraction.after).isNull();
            assertThat(retraction.key).isIn("u1", "p1", "h1");
            assertThat(retraction.lsn).isEqualTo(2345678L);
        }
    }

    static Stream<Arguments> acceptedOddities() {
        return Stream.of(
                Arguments.of("an added column", envelope("c", "usage", "null",
                        "{" + GOOD_USAGE + ",\"cost_in_dollars\":0.5,\"brand_new_column\":[1,2]}")),
                Arguments.of("an unknown usage reason", envelope("c", "usage", "null",
                        "{" + GOOD_USAGE.replace("extraction", "agentic-rerank") + ",\"cost_in_dollars\":0.5}")),
                Arguments.of("an unknown file status", envelope("c", "workflow_file_execution", "null",
                        "{\"id\":\"f1\",\"workflow_execution_id\":\"e1\",\"status\":\"PAUSED\",\"created_at\":\"2026-03-01T10:00:00Z\"}")),
                Arguments.of("a negative cost (a refund)", envelope("c", "usage", "null",
                        "{" + GOOD_USAGE + ",\"cost_in_dollars\":-0.25}")),
                Arguments.of("an integer given as text", envelope("c", "usage", "null",
                        "{" + GOOD_USAGE.replace("\"organization_id\":7", "\"organization_id\":\"7\"") + ",\"cost_in_dollars\":1}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedOddities")
    void isAppliedAsARowChange(String what, String message) throws Exception {
        RowChange change = new DebeziumDecoder().decode(message);
        assertThat(change).as(what).isNotNull();
        assertThat(change.after).isNotNull();
        assertThat(change.kind).isIn(RowKind.USAGE, RowKind.WORKFLOW_FILE_EXECUTION);
    }

    @org.junit.jupiter.api.Test
    void unrecognisedValuesAreCountedEveryTimeAndReportedOnce() throws Exception {
        UnrecognisedValues values = new UnrecognisedValues();
        java.util.concurrent.atomic.AtomicInteger counted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<UnrecognisedValues.Sighting> reported = new java.util.ArrayList<>();
        for (String reason : new String[] {"agentic-rerank", "agentic-rerank", "extraction", "", "challenge"}) {
            RowChange change = new DebeziumDecoder().decode(envelope("c", "usage", "null",
                    "{" + GOOD_USAGE.replace("extraction", reason) + ",\"cost_in_dollars\":0.5}"));
            values.check(change.after, counted::incrementAndGet, reported::add);
        }
        RowChange file = new DebeziumDecoder().decode(envelope("c", "workflow_file_execution", "null",
                "{\"id\":\"f1\",\"workflow_execution_id\":\"e1\",\"status\":\"PAUSED\",\"created_at\":\"2026-03-01T10:00:00Z\"}"));
        values.check(file.after, counted::incrementAndGet, reported::add);
        assertThat(counted).hasValue(3);
        assertThat(reported).containsExactly(
                new UnrecognisedValues.Sighting("usage", "llm_usage_reason", "agentic-rerank"),
                new UnrecognisedValues.Sighting("workflow_file_execution", "status", "PAUSED"));
    }
}
