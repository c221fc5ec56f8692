package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import io.github.dashboardmetrics.metric.Metric;
import io.github.dashboardmetrics.monitoring.ExportedMetrics;
import io.github.dashboardmetrics.monitoring.JobMetrics;
import io.github.dashboardmetrics.monitoring.PrometheusScrape;
import io.github.dashboardmetrics.rollup.RetentionPolicy;
import io.github.dashboardmetrics.sink.cache.CacheInvalidation;
import io.github.dashboardmetrics.sink.cache.DashboardCacheKeys;
import io.github.dashboardmetrics.sink.cache.RedisServer;
import io.github.dashboardmetrics.sink.cache.RedisTls;
import io.github.dashboardmetrics.sink.cache.TestCertificates;
import io.github.dashboardmetrics.config.RedisTarget;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job with its operational extras on: a real redis-server holding Unstract-style cached
 * dashboard hours (reached over TLS with a client certificate, as an ACL user), and the Prometheus endpoint of the mini cluster. One job run, in steps:
 * random changes delete exactly the cached keys of the hours they rewrote; one precise change
 * deletes its hour's key and its metrics' keys but not the other metrics' keys; the endpoint
 * exports every metric the README and the dashboard name; then Redis dies, and the rollups stay
 * exact while the failures are counted.
 */
class OperationsIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private static final DashboardCacheKeys KEYS = new DashboardCacheKeys(DashboardCacheKeys.DEFAULT_PREFIX);
    private static final String ROLLUP_METRIC = "flink_taskmanager_job_task_operator_" + JobMetrics.GROUP + "_"
            + JobMetrics.ROLLUP_TABLE + "_";

    /** One cached hour of one organisation. */
    private record Hour(long orgId, Instant start) {}

    @Test
    void invalidatesRewrittenHoursExportsMetricsAndOutlivesRedis(@TempDir Path stateDir, @TempDir Path redisDir)
            throws Exception {
        long seed = Exactness.seed("OperationsIT");
        int prometheusPort = RedisServer.freePort();
        TestCertificates certs = TestCertificates.make(redisDir.resolve("certs"));
        try (EmbeddedDatabase db = EmbeddedDatabase.start();
                RedisServer redis = RedisServer.startTls(redisDir.resolve("redis"), certs, "yes")) {
            // As a production Redis would be: TLS with client certificates, and an ACL user that may
            // only delete the dashboard's keys (the job reaches it only through its TLS port).
            redis.command("ACL", "SETUSER", "dashboard", "on", ">user-pw", "~" + DashboardCacheKeys.DEFAULT_PREFIX + "*",
                    "+@connection", "+del");
            RedisTarget redisTarget = RedisTarget.parse("rediss://localhost:" + redis.tlsPort() + "/0", "dashboard", "user-pw",
                    RedisTls.read(certs.caCert(), certs.clientCert(), certs.clientKey()), null, null);
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            WorkloadGenerator.Options options = WorkloadGenerator.Options.defaults()
                    .withOrganizations(6).withHistoryDays(20).withHitlQueue(true);
            JobConfig config = new JobConfig(target, target, "it_ops", "it_ops", Startup.INITIAL, stateDir, null,
                    1000, RetentionPolicy.DEFAULT, 3_600_000L, 1, 0);
            CacheInvalidation cache = new CacheInvalidation(redisTarget, DashboardCacheKeys.DEFAULT_PREFIX);
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed, options)) {
                workload.setUp();
                workload.run(1_000);
                try (RunningJob job = RunningJob.start(config, cache, prometheusPort)) {
                    workload.run(1_000);
                    awaitExact(target);

                    // 1. Random changes: exactly the rewritten hours lose their keys.
                    Instant seededAt = databaseNow(target);
                    Set<Hour> hours = cachedHours(target);
                    List<String> cached = new ArrayList<>();
                    for (Hour h : hours) {
                        cached.add(KEYS.hour(h.orgId(), h.start().toEpochMilli()));
                        for (Metric m : Metric.values()) {
                            cached.add(KEYS.hourOfMetric(h.orgId(), h.start().toEpochMilli(), m.metricName()));
                        }
                    }
                    List<String> unrelated = unrelatedKeys(hours);
                    redis.set(cached);
                    redis.set(unrelated);

                    workload.run(1_000);
                    awaitExact(target);
                    Set<String> stale = keysOfRowsWrittenSince(target, seededAt);
                    assertThat(stale).as("the changes rewrote some cached hours").isNotEmpty();
                    Await.until("the keys of the rewritten hours deleted", Duration.ofSeconds(30),
                            () -> existing(redis, stale), List::isEmpty);
                    assertThat(existing(redis, unrelated)).as("unrelated keys").containsExactlyElementsOf(unrelated);
                    System.out.println("OperationsIT: " + cached.size() + " keys cached for " + hours.size() + " hours; "
                            + stale.size() + " of them rewritten and deleted; " + unrelated.size() + " unrelated kept");

                    // 2. One precise change: an LLM call in a past hour of one organisation. The keys
                    // set here must not meet the second deletion of a step-1 commit's keys.
                    awaitSecondDeletionsOver(prometheusPort);
                    Hour changed = hours.iterator().next();
                    Instant hour = Instant.now().minus(5, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
                    long otherOrg = hours.stream().mapToLong(Hour::orgId).filter(o -> o != changed.orgId()).findFirst()
                            .orElse(changed.orgId() + 1000);
                    long h = hour.toEpochMilli();
                    List<String> ofOtherMetrics = new ArrayList<>();
                    for (Metric m : Metric.values()) {
                        if (m != Metric.LLM_CALLS && m != Metric.LLM_USAGE) {
                            ofOtherMetrics.add(KEYS.hourOfMetric(changed.orgId(), h, m.metricName()));
                        }
                    }
                    List<String> ofTheChange = List.of(KEYS.hour(changed.orgId(), h),
                            KEYS.hourOfMetric(changed.orgId(), h, "llm_calls"),
                            KEYS.hourOfMetric(changed.orgId(), h, "llm_usage"));
                    String otherOrgsHour = KEYS.hour(otherOrg, h);
                    redis.set(ofTheChange);
                    redis.set(ofOtherMetrics);
                    redis.set(List.of(otherOrgsHour));

                    insertLlmCall(target, changed.orgId(), hour.plus(10, ChronoUnit.MINUTES));
                    Await.until("the changed hour's keys deleted", CATCH_UP, () -> existing(redis, ofTheChange),
                            List::isEmpty);
                    awaitExact(target);
                    assertThat(existing(redis, ofOtherMetrics)).as("keys of metrics the change did not touch")
                            .containsExactlyElementsOf(ofOtherMetrics);
                    assertThat(redis.exists(otherOrgsHour)).as("another organisation's hour").isTrue();

                    // 3. Prometheus: every metric the README and the dashboard name is exported.
                    PrometheusScrape scrape = PrometheusScrape.of(prometheusPort);
                    assertThat(scrape.names()).as("exported by the running job").containsAll(ExportedMetrics.all());
                    assertThat(scrape.body()).as("labels the dashboard uses").contains(ExportedMetrics.LABELS);
                    assertThat(scrape.sum(ExportedMetrics.JOB.get(0))).as("changes read").isPositive();
                    assertThat(scrape.sum(ROLLUP_METRIC + JobMetrics.ROWS_UPSERTED)).isPositive();
                    assertThat(scrape.sum(ROLLUP_METRIC + JobMetrics.CACHE_KEYS_INVALIDATED))
                            .isGreaterThanOrEqualTo(stale.size() + ofTheChange.size());
                    assertThat(scrape.sum(ROLLUP_METRIC + JobMetrics.FRESHNESS_MS + "_count")).isPositive();
                    assertThat(scrape.sum(ROLLUP_METRIC + JobMetrics.CACHE_KEYS_FAILED)).isZero();

                    // 4. Redis dies: the rollups stay exact, the failures are counted.
                    redis.stop();
                    workload.run(1_000);
                    awaitExact(target);
                    Await.until("failed invalidations counted", Duration.ofSeconds(30),
                            () -> PrometheusScrape.of(prometheusPort).sum(ROLLUP_METRIC + JobMetrics.CACHE_KEYS_FAILED),
                            failed -> failed > 0);
                    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                }
            }
        }
    }

    /**
     * The job deletes a commit's keys once more {@link CacheInvalidation#DEFAULT_INVALIDATE_AGAIN_MS}
     * after the commit. This waits until its own counters show no rollup row written or deleted for
     * longer than that (plus a second), so every second deletion already scheduled has run.
     */
    private static void awaitSecondDeletionsOver(int prometheusPort) throws Exception {
        long quietNanos = Duration.ofMillis(CacheInvalidation.DEFAULT_INVALIDATE_AGAIN_MS).plusSeconds(1).toNanos();
        double[] lastRows = {-1};
        long[] lastChangeAt = {System.nanoTime()};
        Await.until("no rollup commit for the re-deletion delay", Duration.ofSeconds(60), () -> {
            PrometheusScrape scrape = PrometheusScrape.of(prometheusPort);
            double rows = scrape.sum(ROLLUP_METRIC + JobMetrics.ROWS_UPSERTED) + scrape.sum(ROLLUP_METRIC + JobMetrics.ROWS_DELETED);
            if (rows != lastRows[0]) {
                lastRows[0] = rows;
                lastChangeAt[0] = System.nanoTime();
            }
            return System.nanoTime() - lastChangeAt[0];
        }, quietFor -> quietFor > quietNanos);
    }

    private static VerifyReport awaitExact(DatabaseTarget target) throws Exception {
        return Exactness.awaitExact(target, target);
    }

    private static Instant databaseNow(DatabaseTarget target) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT now()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    private static Set<Hour> cachedHours(DatabaseTarget target) throws Exception {
        Set<Hour> hours = new LinkedHashSet<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT DISTINCT organization_id, \"timestamp\" FROM event_metrics_hourly "
                        + "ORDER BY 1, 2")) {
            while (rs.next()) {
                hours.add(new Hour(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant()));
            }
        }
        return hours;
    }

    /** Keys that no hourly write may touch: other tiers, other prefixes, endpoint caches, hours without data. */
    private static List<String> unrelatedKeys(Set<Hour> hours) {
        List<String> keys = new ArrayList<>();
        for (Hour h : hours) {
            String hour = KEYS.hour(h.orgId(), h.start().toEpochMilli()).substring(DashboardCacheKeys.DEFAULT_PREFIX.length());
            keys.add("other_app:" + hour);
            keys.add(DashboardCacheKeys.DEFAULT_PREFIX + "bucket:daily:" + h.orgId() + ":"
                    + h.start().atOffset(ZoneOffset.UTC).toLocalDate());
            keys.add(DashboardCacheKeys.DEFAULT_PREFIX + h.orgId() + ":summary:0123456789ab");
            keys.add(KEYS.hour(h.orgId(), Instant.parse("2001-01-01T00:00:00Z").toEpochMilli()));
            keys.add(KEYS.hour(999_999, h.start().toEpochMilli()));
        }
        return new ArrayList<>(new LinkedHashSet<>(keys));
    }

    /** The all-metrics and per-metric keys of every hourly row written (modified) since {@code since}. */
    private static Set<String> keysOfRowsWrittenSince(DatabaseTarget target, Instant since) throws Exception {
        Set<String> keys = new LinkedHashSet<>();
        try (Connection c = target.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT organization_id, \"timestamp\", metric_name FROM event_metrics_hourly WHERE modified_at >= ?")) {
            ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long bucket = rs.getObject(2, OffsetDateTime.class).toInstant().toEpochMilli();
                    keys.add(KEYS.hour(rs.getLong(1), bucket));
                    keys.add(KEYS.hourOfMetric(rs.getLong(1), bucket, rs.getString(3)));
                }
            }
        }
        return keys;
    }

    private static void insertLlmCall(DatabaseTarget target, long orgId, Instant at) throws Exception {
        try (Connection c = target.connect()) {
            LlmCalls.insert(c, orgId, OffsetDateTime.ofInstant(at, ZoneOffset.UTC), UUID.randomUUID());
        }
    }

    private static List<String> existing(RedisServer redis, Iterable<String> keys) throws Exception {
        List<String> found = new ArrayList<>();
        for (String key : keys) {
            if (redis.exists(key)) {
                found.add(key);
            }
        }
        return found;
    }
}
