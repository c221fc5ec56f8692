package io.github.dashboardmetrics.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.UUID;

/**
 * The deterministic ids of the benchmark dataset, the same in SQL ({@code md5('wf:' || n)::uuid})
 * and here: organisations {@code 1..N} (bigint ids), {@value #WORKFLOWS_PER_ORG} workflows,
 * {@value #PIPELINES_PER_ORG} pipelines and {@value #APIS_PER_ORG} API deployments per
 * organisation, numbered from 1 across all organisations.
 */
final class BenchIds {
    static final int WORKFLOWS_PER_ORG = 5;
    static final int PIPELINES_PER_ORG = 3;
    static final int APIS_PER_ORG = 2;
    static final String PROBE_ORG_STRING = "org_bench_probe";
    static final List<String> SOURCE_TABLES = List.of("organization", "workflow", "pipeline", "api_deployment",
            "workflow_execution", "workflow_file_execution", "usage", "page_usage", "hitl_queue");

    private BenchIds() {}

    /** The organisation the freshness probe writes to: the one after the dataset's. */
    static long probeOrganization(int organizations) {
        return organizations + 1L;
    }

    static String organizationString(long org) {
        return String.format("org_bench_%06d", org);
    }

    /** Workflow {@code n} (1-based, across organisations); it belongs to organisation {@code (n-1)/5+1}. */
    static UUID workflow(long n) {
        return md5Uuid("wf:" + n);
    }

    static long organizationOfWorkflow(long n) {
        return (n - 1) / WORKFLOWS_PER_ORG + 1;
    }

    /** The {@code k}-th (0-based) pipeline of an organisation; k % 3 == 1 is a TASK pipeline, the others ETL. */
    static UUID pipeline(long org, int k) {
        return md5Uuid("pl:" + ((org - 1) * PIPELINES_PER_ORG + 1 + k));
    }

    static UUID apiDeployment(long org, int k) {
        return md5Uuid("api:" + ((org - 1) * APIS_PER_ORG + 1 + k));
    }

    /** What PostgreSQL's {@code md5(text)::uuid} gives. */
    static UUID md5Uuid(String text) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
            long msb = 0;
            long lsb = 0;
            for (int i = 0; i < 8; i++) {
                msb = (msb << 8) | (d[i] & 0xff);
                lsb = (lsb << 8) | (d[i + 8] & 0xff);
            }
            return new UUID(msb, lsb);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }
}
