package io.github.dashboardmetrics.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RowKeysTest {
    @Test
    void uuidsPackIntoTwentyOneByteCharactersAndBack() {
        long seed = System.nanoTime();
        System.out.println("RowKeysTest seed=" + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 10_000; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            String key = RowKeys.of(5, id);
            assertThat(key).hasSize(20);
            assertThat(key.chars()).allMatch(c -> c < 0x80);
            assertThat(RowKeys.space(key)).isEqualTo(5);
            assertThat(RowKeys.id(key)).isEqualTo(id);
        }
        for (String edge : new String[] {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}) {
            assertThat(RowKeys.id(RowKeys.of(31, edge))).isEqualTo(edge);
        }
    }

    @Test
    void otherIdsKeepTheirTextAndNeverMeetAUuidKey() {
        String upper = "0B5C1E9A-1111-2222-3333-444455556666";
        assertThat(RowKeys.id(RowKeys.of(6, upper))).isEqualTo(upper);
        assertThat(RowKeys.of(6, upper)).isNotEqualTo(RowKeys.of(6, upper.toLowerCase()));
        assertThat(RowKeys.id(RowKeys.of(1, "42"))).isEqualTo("42");
        assertThat(RowKeys.id(RowKeys.of(1, "007"))).isEqualTo("007");
        assertThat(RowKeys.of(1, "007")).isNotEqualTo(RowKeys.of(1, "7"));
        assertThat(RowKeys.id(RowKeys.of(10, "org_abc"))).isEqualTo("org_abc");
        assertThat(RowKeys.id(RowKeys.of(10, ""))).isEmpty();
        assertThat(RowKeys.of(2, "42")).isNotEqualTo(RowKeys.of(3, "42"));
    }

    @Test
    void aUuidIsPackedOnlyInPostgresqlsOwnTextForm() {
        String id = "0b5c1e9a-1111-2222-3333-444455556666";
        assertThat(RowKeys.of(4, id)).hasSize(20);
        for (int i = 0; i < id.length(); i++) {
            for (char wrong : new char[] {'g', 'A', 'F', '-', '0', ' '}) {
                String other = id.substring(0, i) + wrong + id.substring(i + 1);
                boolean canonical = other.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
                assertThat(RowKeys.of(4, other)).as(other).hasSize(canonical ? 20 : 37);
                assertThat(RowKeys.id(RowKeys.of(4, other))).as(other).isEqualTo(other);
            }
        }
        assertThat(RowKeys.of(4, id + "0")).hasSize(38);
        assertThat(RowKeys.of(4, id.substring(1))).hasSize(36);
    }

    @Test
    void keysAreStable() {
        // The savepoint contract: these exact strings (and so their key groups) must never change.
        assertThat(RowKeys.of(7, "0b5c1e9a-1111-2222-3333-444455556666").chars().toArray()).containsExactly(
                7, 0, 22, 92, 15, 38, 66, 17, 9, 8, 68, 51, 25, 81, 8, 69, 42, 85, 76, 102);
        assertThat(RowKeys.of(1, "42")).isEqualTo("!42");
        assertThat(RowKeys.of(10, "org")).isEqualTo("Jorg");
        assertThat(RowKeys.of(0, "00000000-0000-0000-0000-000000000001"))
                .isEqualTo("\0".repeat(19) + "\1");
    }
}
