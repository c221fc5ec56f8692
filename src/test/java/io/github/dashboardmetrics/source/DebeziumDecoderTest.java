package io.github.dashboardmetrics.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DebeziumDecoderTest {
    private final DebeziumDecoder decoder = new DebeziumDecoder();

    static String envelope(String op, String table, String before, String after) {
        return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"version\":\"1.9.8.Final\","
                + "\"connector\":\"postgresql\",\"name\":\"x\",\"ts_ms\":1700000000123,\"snapshot\":\"false\","
                + "\"db\":\"postgres\",\"schema\":\"unstract\",\"table\":\"" + table + "\",\"txId\":42,\"lsn\":2345678,"
                + "\"xmin\":null},\"op\":\"" + op + "\",\"ts_ms\":1700000000200,\"transaction\":null}";
    }

    @Test
    void decodesAnInsertOfUsage() throws Exception {
        RowChange c = decoder.decode(envelope("c", "usage", "null",
                "{\"id\":\"0b6f1c0e-0000-4000-8000-000000000001\",\"organization_id\":7,\"usage_type\":\"llm\","
                        + "\"llm_usage_reason\":\"challenge\",\"cost_in_dollars\":0.0125,"
                        + "\"created_at\":\"2026-03-01T10:15:30.123456Z\",\"model_name\":\"gpt\"}"));
        assertThat(c.op).isEqualTo('c');
        assertThat(c.kind).isEqualTo(RowKind.USAGE);
        assertThat(c.key).isEqualTo("0b6f1c0e-0000-4000-8000-000000000001");
        assertThat(c.lsn).isEqualTo(2345678L);
        assertThat(c.sourceTsMs).isEqualTo(1700000000123L);
        assertThat(c.after.orgId).isEqualTo(7L);
        assertThat(c.after.status).isEqualTo("llm");
        assertThat(c.after.reason).isEqualTo("challenge");
        assertThat(c.after.amount).isEqualTo(0.0125);
        assertThat(c.after.eventTime).isEqualTo(Instant.parse("2026-03-01T10:15:30.123Z").toEpochMilli());
    }

    @Test
    void unwrapsSchemaPayloadEnvelopesAndReadsOffsets() throws Exception {
        String payload = envelope("r", "page_usage", "null",
                "{\"id\":\"p1\",\"organization_id\":\"org_abc\",\"run_id\":\"\",\"pages_processed\":12,"
                        + "\"created_at\":\"2026-03-01T23:59:59+02:00\"}");
        RowChange c = decoder.decode("{\"schema\":{\"type\":\"struct\"},\"payload\":" + payload + "}");
        assertThat(c.op).isEqualTo('r');
        assertThat(c.after.orgKey).isEqualTo("org_abc");
        assertThat(c.after.parentId).isEmpty();
        assertThat(c.after.amount).isEqualTo(12.0);
        assertThat(c.after.eventTime).isEqualTo(Instant.parse("2026-03-01T21:59:59Z").toEpochMilli());
    }

    @Test
    void truncateNamesItsTableAndPosition() throws Exception {
        RowChange c = decoder.decode(envelope("t", "page_usage", "null", "null"));
        assertThat(c.isTruncate()).isTrue();
        assertThat(c.kind).isEqualTo(RowKind.PAGE_USAGE);
        assertThat(c.key).isNull();
        assertThat(c.lsn).isEqualTo(2345678L);
    }

    @Test
    void deleteCarriesOnlyTheKey() throws Exception {
        RowChange c = decoder.decode(envelope("d", "workflow", "{\"id\":\"w1\",\"organization_id\":null}", "null"));
        assertThat(c.op).isEqualTo('d');
        assertThat(c.key).isEqualTo("w1");
        assertThat(c.after).isNull();
    }

    @Test
    void organizationKeepsBothIdentifiers() throws Exception {
        RowChange c = decoder.decode(envelope("u", "organization", "null",
                "{\"id\":12,\"organization_id\":\"org_x\",\"name\":\"n\"}"));
        assertThat(c.key).isEqualTo("12");
        assertThat(c.after.orgId).isEqualTo(12L);
        assertThat(c.after.orgKey).isEqualTo("org_x");
    }

    @Test
    void skipsTombstonesHeartbeatsTransactionMarkersAndSchemaChanges() throws Exception {
        assertThat(decoder.decode(null)).isNull();
        assertThat(decoder.decode("")).isNull();
        assertThat(decoder.decode("{\"schema\":{},\"payload\":null}")).isNull();
        assertThat(decoder.decode("{\"ts_ms\":1700000000000}")).isNull();
        assertThat(decoder.decode("{\"source\":{\"table\":\"usage\"},\"databaseName\":\"x\",\"ddl\":\"ALTER\"}")).isNull();
        assertThat(decoder.decode("{\"status\":\"BEGIN\",\"id\":\"571:53\",\"event_count\":null,"
                + "\"data_collections\":null,\"ts_ms\":1700000000000}")).isNull();
    }

    @Test
    void rejectsUnreadableEventsWithAReason() {
        assertThatThrownBy(() -> decoder.decode("{not json")).isInstanceOf(BadChangeEvent.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> decoder.decode(envelope("c", "usage", "null",
                "{\"id\":\"u\",\"organization_id\":\"seven\",\"created_at\":\"2026-01-01T00:00:00Z\"}")))
                .isInstanceOf(BadChangeEvent.class).hasMessageContaining("organization_id");
        assertThatThrownBy(() -> decoder.decode(envelope("c", "usage", "null",
                "{\"id\":\"u\",\"organization_id\":1,\"usage_type\":\"llm\",\"cost_in_dollars\":1,"
                        + "\"created_at\":\"2026-01-01 00:00:00\"}")))
                .isInstanceOf(BadChangeEvent.class).hasMessageContaining("created_at");
        assertThatThrownBy(() -> decoder.decode(envelope("c", "usage", "null", "{\"organization_id\":1}")))
                .isInstanceOf(BadChangeEvent.class).hasMessageContaining("id");
        assertThatThrownBy(() -> decoder.decode(envelope("x", "usage", "null", "null")))
                .isInstanceOf(BadChangeEvent.class).hasMessageContaining("unknown op");
    }
}
