package io.github.dashboardmetrics.attribute;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowChange;
import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.metric.MetricDelta;
import io.github.dashboardmetrics.pipeline.MetricsPipeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The organisation joins and the row state, end to end on a local Flink: random histories of
 * every table (inserts, updates that re-parent, re-type, rename and change status, deletes,
 * redelivered changes), delivered with each row's changes in order but the tables interleaved at
 * random (children before parents, dimensions changing after their facts), at parallelism 2.
 * The deltas, summed per (organisation, metric, hour), must equal the metrics computed directly
 * from the rows as they end, by the spec's rules.
 */
class ArrivalOrderTest {
    private static final long HOUR = 3_600_000L;
    private static final long T0 = 500_000L * HOUR;

    /** One row's history: its changes in order. */
    private record History(List<RowChange> changes) {}

    @Test
    void deltasSumToTheMetricsOfTheFinalRowsInAnyArrivalOrder() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ArrivalOrderTest seed=" + seed);
        for (int round = 0; round < 3; round++) {
            Random random = new Random(seed + round);
            Model model = new Model(random);
            List<RowChange> stream = model.interleaved();
            Map<String, String> actual = run(stream);
            Map<String, String> expected = printable(model.expected());
            assertThat(actual).as("seed %d round %d", seed, round).isEqualTo(expected);
        }
    }

    private static Map<String, String> printable(Map<String, long[]> sums) {
        Map<String, String> out = new TreeMap<>();
        sums.forEach((k, v) -> out.put(k, v[0] + "/" + v[1]));
        return out;
    }

    private static Map<String, String> run(List<RowChange> stream) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<MetricDelta> deltas = new ArrayList<>();
        // one source subtask keeps the list's order; the pipeline keys every row on its own path
        MetricsPipeline.metricDeltas(env.fromData(TypeInformation.of(RowChange.class), stream.toArray(new RowChange[0]))
                        .setParallelism(1))
                .executeAndCollect().forEachRemaining(deltas::add);
        Map<String, long[]> sums = new TreeMap<>();
        for (MetricDelta d : deltas) {
            long[] s = sums.computeIfAbsent(d.orgId + "/" + d.metric.metricName() + "/" + Math.floorDiv(d.eventTimeMs, HOUR),
                    k -> new long[2]);
            s[0] += Math.round(d.value * 100); // costs are whole cents below
            s[1] += d.count;
        }
        sums.values().removeIf(s -> s[0] == 0 && s[1] == 0);
        return printable(sums);
    }

    /** A random small Unstract: rows, their histories, and the metrics of their final images. */
    private static final class Model {
        final Random random;
        final Map<String, History> histories = new LinkedHashMap<>();
        final Map<String, SourceRow> last = new HashMap<>();
        long lsn = 1000;

        Model(Random random) {
            this.random = random;
            List<String> orgKeys = List.of("org_a", "org_b", "org_c");
            List<String> workflows = ids(4);
            List<String> pipelines = ids(3);
            List<String> deployments = ids(2);
            List<String> executions = ids(12);
            List<String> files = ids(20);
            for (int i = 0; i < orgKeys.size(); i++) {
                long id = i + 1;
                String key = String.valueOf(id);
                row(RowKind.ORGANIZATION, key, () -> {
                    SourceRow r = new SourceRow(RowKind.ORGANIZATION, key);
                    r.orgId = id;
                    r.orgKey = pick(orgKeys);
                    return r;
                });
            }
            for (String w : workflows) {
                row(RowKind.WORKFLOW, w, () -> withOrg(new SourceRow(RowKind.WORKFLOW, w)));
            }
            for (String p : pipelines) {
                row(RowKind.PIPELINE, p, () -> {
                    SourceRow r = withOrg(new SourceRow(RowKind.PIPELINE, p));
                    r.status = random.nextBoolean() ? "ETL" : "TASK";
                    return r;
                });
            }
            for (String d : deployments) {
                row(RowKind.API_DEPLOYMENT, d, () -> withOrg(new SourceRow(RowKind.API_DEPLOYMENT, d)));
            }
            List<String> pipelineIds = new ArrayList<>(pipelines);
            pipelineIds.addAll(deployments);
            for (String e : executions) {
                row(RowKind.WORKFLOW_EXECUTION, e, () -> {
                    SourceRow r = new SourceRow(RowKind.WORKFLOW_EXECUTION, e);
                    r.parentId = random.nextInt(8) == 0 ? null : pick(workflows);
                    r.pipelineId = random.nextInt(3) == 0 ? null : pick(pipelineIds);
                    r.eventTime = hour();
                    return r;
                });
            }
            for (String f : files) {
                row(RowKind.WORKFLOW_FILE_EXECUTION, f, () -> {
                    SourceRow r = new SourceRow(RowKind.WORKFLOW_FILE_EXECUTION, f);
                    r.parentId = pick(executions);
                    r.status = pick(List.of("PENDING", "EXECUTING", "COMPLETED", "ERROR", "STOPPED"));
                    r.eventTime = hour();
                    return r;
                });
            }
            for (String p : ids(25)) {
                row(RowKind.PAGE_USAGE, p, () -> {
                    SourceRow r = new SourceRow(RowKind.PAGE_USAGE, p);
                    r.orgKey = random.nextInt(6) == 0 ? "mock_org" : pick(orgKeys);
                    r.parentId = random.nextInt(5) == 0 ? "" : pick(files);
                    r.amount = random.nextInt(20);
                    r.eventTime = hour();
                    return r;
                });
            }
            for (String u : ids(25)) {
                row(RowKind.USAGE, u, () -> {
                    SourceRow r = withOrg(new SourceRow(RowKind.USAGE, u));
                    r.status = random.nextInt(4) == 0 ? "embedding" : "llm";
                    r.reason = pick(List.of("extraction", "challenge", "summarize", ""));
                    r.amount = random.nextInt(500) / 100.0;
                    r.eventTime = hour();
                    return r;
                });
            }
            for (String h : ids(8)) {
                row(RowKind.HITL_QUEUE, h, () -> {
                    SourceRow r = withOrg(new SourceRow(RowKind.HITL_QUEUE, h));
                    r.status = random.nextBoolean() ? "approved" : "pending";
                    r.eventTime = hour();
                    r.approvedAt = random.nextBoolean() ? hour() : null;
                    return r;
                });
            }
        }

        private List<String> ids(int n) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
            }
            return ids;
        }

        private <T> T pick(List<T> list) {
            return list.get(random.nextInt(list.size()));
        }

        private SourceRow withOrg(SourceRow r) {
            r.orgId = random.nextInt(10) == 0 ? null : (long) (1 + random.nextInt(3));
            return r;
        }

        private long hour() {
            return T0 + random.nextInt(6) * HOUR + random.nextInt(3_600_000);
        }

        /** A row's history: an insert, some updates, maybe a delete, maybe redelivered changes. */
        private void row(RowKind kind, String id, java.util.function.Supplier<SourceRow> image) {
            List<RowChange> changes = new ArrayList<>();
            SourceRow current = image.get();
            changes.add(new RowChange(random.nextInt(3) == 0 ? 'r' : 'c', kind, id, current, lsn += 10, 0));
            int updates = random.nextInt(3);
            for (int i = 0; i < updates; i++) {
                current = image.get();
                changes.add(new RowChange('u', kind, id, current, lsn += 10, 0));
            }
            if (random.nextInt(5) == 0) {
                current = null;
                changes.add(new RowChange('d', kind, id, null, lsn += 10, 0));
            }
            if (random.nextInt(4) == 0) { // a redelivered range: the last changes once more
                int from = random.nextInt(changes.size());
                changes.addAll(new ArrayList<>(changes.subList(from, changes.size())));
            }
            histories.put(kind + ":" + id, new History(changes));
            if (current != null) {
                last.put(kind + ":" + id, current);
            }
        }

        /** Every history's changes in order, the histories interleaved at random. */
        List<RowChange> interleaved() {
            List<List<RowChange>> queues = new ArrayList<>();
            histories.values().forEach(h -> queues.add(new ArrayList<>(h.changes())));
            List<RowChange> out = new ArrayList<>();
            while (!queues.isEmpty()) {
                int i = random.nextInt(queues.size());
                out.add(queues.get(i).remove(0));
                if (queues.get(i).isEmpty()) {
                    queues.remove(i);
                }
            }
            return out;
        }

        private List<SourceRow> rows(RowKind kind) {
            return last.values().stream().filter(r -> r.kind == kind).toList();
        }

        private SourceRow find(RowKind kind, String id) {
            return id == null ? null : last.get(kind + ":" + id);
        }

        /** The spec's rules over the final rows, summed per (org, metric, hour). */
        Map<String, long[]> expected() {
            Map<String, long[]> sums = new TreeMap<>();
            java.util.function.BiConsumer<String, long[]> add = (k, v) -> {
                long[] s = sums.computeIfAbsent(k, x -> new long[2]);
                s[0] += v[0];
                s[1] += v[1];
            };
            for (SourceRow u : rows(RowKind.USAGE)) {
                if (u.orgId != null && "llm".equals(u.status)) {
                    long h = Math.floorDiv(u.eventTime, HOUR);
                    add.accept(key(u.orgId, Metric.LLM_CALLS, h), new long[] {100, 1});
                    add.accept(key(u.orgId, Metric.LLM_USAGE, h), new long[] {Math.round(u.amount * 100), 1});
                    if ("challenge".equals(u.reason)) {
                        add.accept(key(u.orgId, Metric.CHALLENGES, h), new long[] {100, 1});
                    }
                    if ("summarize".equals(u.reason)) {
                        add.accept(key(u.orgId, Metric.SUMMARIZATION_CALLS, h), new long[] {100, 1});
                    }
                }
            }
            for (SourceRow q : rows(RowKind.HITL_QUEUE)) {
                if (q.orgId != null) {
                    add.accept(key(q.orgId, Metric.HITL_REVIEWS, Math.floorDiv(q.eventTime, HOUR)), new long[] {100, 1});
                    if ("approved".equals(q.status) && q.approvedAt != null) {
                        add.accept(key(q.orgId, Metric.HITL_COMPLETIONS, Math.floorDiv(q.approvedAt, HOUR)),
                                new long[] {100, 1});
                    }
                }
            }
            for (SourceRow p : rows(RowKind.PAGE_USAGE)) {
                for (SourceRow o : rows(RowKind.ORGANIZATION)) {
                    if (o.orgKey.equals(p.orgKey)) {
                        add.accept(key(o.orgId, Metric.PAGES_PROCESSED, Math.floorDiv(p.eventTime, HOUR)),
                                new long[] {Math.round(p.amount) * 100, 1});
                    }
                }
            }
            for (SourceRow e : rows(RowKind.WORKFLOW_EXECUTION)) {
                long h = Math.floorDiv(e.eventTime, HOUR);
                SourceRow w = find(RowKind.WORKFLOW, e.parentId);
                if (w != null && w.orgId != null) {
                    add.accept(key(w.orgId, Metric.PROMPT_EXECUTIONS, h), new long[] {100, 1});
                }
                SourceRow p = find(RowKind.PIPELINE, e.pipelineId);
                if (p != null && p.orgId != null && "ETL".equals(p.status)) {
                    add.accept(key(p.orgId, Metric.ETL_PIPELINE_EXECUTIONS, h), new long[] {100, 1});
                }
                SourceRow d = find(RowKind.API_DEPLOYMENT, e.pipelineId);
                if (d != null && d.orgId != null) {
                    add.accept(key(d.orgId, Metric.DEPLOYED_API_REQUESTS, h), new long[] {100, 1});
                }
            }
            for (SourceRow f : rows(RowKind.WORKFLOW_FILE_EXECUTION)) {
                SourceRow e = find(RowKind.WORKFLOW_EXECUTION, f.parentId);
                SourceRow w = e == null ? null : find(RowKind.WORKFLOW, e.parentId);
                if (w == null || w.orgId == null) {
                    continue;
                }
                long h = Math.floorDiv(f.eventTime, HOUR);
                if ("COMPLETED".equals(f.status)) {
                    add.accept(key(w.orgId, Metric.DOCUMENTS_PROCESSED, h), new long[] {100, 1});
                } else if ("ERROR".equals(f.status)) {
                    long pages = rows(RowKind.PAGE_USAGE).stream().filter(p -> f.id.equals(p.parentId))
                            .mapToLong(p -> Math.round(p.amount)).sum();
                    add.accept(key(w.orgId, Metric.FAILED_PAGES, h), new long[] {pages * 100, 1});
                }
            }
            sums.values().removeIf(s -> s[0] == 0 && s[1] == 0);
            return sums;
        }

        private static String key(long org, Metric m, long hour) {
            return org + "/" + m.metricName() + "/" + hour;
        }
    }
}
