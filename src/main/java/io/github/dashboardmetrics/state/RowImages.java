package io.github.dashboardmetrics.state;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.change.SourceRow;
import io.github.dashboardmetrics.metric.MetricRules;

/**
 * What the job keeps of a source row: its <em>canonical image</em>, the projection onto exactly
 * what a metric reads (statuses reduced to the values the rules name, times to their UTC hour),
 * and the compact bytes that hold it in state. Two images that no metric could tell apart are
 * equal here, so a change between them emits nothing; a row that contributes to no metric and
 * that nothing joins to (a non-LLM usage row, a TASK pipeline, a row without organisation) has no
 * image at all and is kept like a deleted row.
 *
 * <p>Byte format (after the caller's version byte and positions), per table; {@code flags} bit 0:
 * organisation id present, 1: reason challenge, 2: reason summarize, 3: approved, 4: run id
 * present, 5: workflow id present, 6: pipeline id present. Ids that lead to another key are kept
 * as that key ({@link RowKeys}); hours are hours since the epoch.
 * <pre>
 * usage                    flags [org] hour cost(double)
 * hitl_queue               flags [org] hour [approvedHour]
 * page_usage               flags orgKey(string) [runKey] pages hour
 * organization             flags org orgKey(string)
 * workflow, api_deployment flags org
 * pipeline (ETL only)      flags org
 * workflow_file_execution  flags status(0 other,1 COMPLETED,2 ERROR) executionKey hour
 * workflow_execution       flags [workflowKey] [pipelineKey] hour
 * </pre>
 */
public final class RowImages {
    private static final long HOUR_MS = 3_600_000L;
    private static final int ORG = 1;
    private static final int CHALLENGE = 2;
    private static final int SUMMARIZE = 4;
    private static final int APPROVED = 8;
    private static final int RUN = 16;
    private static final int WORKFLOW = 32;
    private static final int PIPELINE = 64;

    /** Key spaces of the ids a row leads to. */
    public static final int EXECUTION_SPACE = RowKind.WORKFLOW_EXECUTION.code();
    public static final int FILE_SPACE = RowKind.WORKFLOW_FILE_EXECUTION.code();

    private RowImages() {}

    public static long hourOf(long epochMillis) {
        return Math.floorDiv(epochMillis, HOUR_MS);
    }

    /** The canonical image of a projected row, or null when it contributes to nothing. */
    public static SourceRow canonical(SourceRow r) {
        if (r == null) {
            return null;
        }
        SourceRow c = new SourceRow(r.kind, r.id);
        switch (r.kind) {
            case USAGE:
                if (r.orgId == null || !MetricRules.LLM.equals(r.status)) {
                    return null;
                }
                c.orgId = r.orgId;
                c.status = MetricRules.LLM;
                c.reason = MetricRules.CHALLENGE.equals(r.reason) || MetricRules.SUMMARIZE.equals(r.reason) ? r.reason : null;
                c.amount = r.amount;
                c.eventTime = hourStart(r.eventTime);
                return c;
            case HITL_QUEUE:
                if (r.orgId == null) {
                    return null;
                }
                c.orgId = r.orgId;
                c.eventTime = hourStart(r.eventTime);
                if (MetricRules.APPROVED.equals(r.status) && r.approvedAt != null) {
                    c.status = MetricRules.APPROVED;
                    c.approvedAt = hourStart(r.approvedAt);
                }
                return c;
            case PAGE_USAGE:
                c.orgKey = r.orgKey;
                c.parentId = r.parentId == null || r.parentId.isEmpty() ? null : r.parentId;
                c.amount = r.amount;
                c.eventTime = hourStart(r.eventTime);
                return c;
            case ORGANIZATION:
                c.orgId = r.orgId;
                c.orgKey = r.orgKey;
                return c;
            case WORKFLOW:
            case API_DEPLOYMENT:
                if (r.orgId == null) {
                    return null;
                }
                c.orgId = r.orgId;
                return c;
            case PIPELINE:
                if (r.orgId == null || !MetricRules.ETL.equals(r.status)) {
                    return null;
                }
                c.orgId = r.orgId;
                c.status = MetricRules.ETL;
                return c;
            case WORKFLOW_FILE_EXECUTION:
                if (!MetricRules.COMPLETED.equals(r.status) && !MetricRules.ERROR.equals(r.status)) {
                    return null;
                }
                c.parentId = r.parentId;
                c.status = r.status;
                c.eventTime = hourStart(r.eventTime);
                return c;
            case WORKFLOW_EXECUTION:
                c.parentId = r.parentId;
                c.pipelineId = r.pipelineId;
                c.eventTime = hourStart(r.eventTime);
                return c;
            default:
                throw new IllegalArgumentException("not a source table: " + r.kind);
        }
    }

    private static Long hourStart(Long epochMillis) {
        return epochMillis == null ? null : hourOf(epochMillis) * HOUR_MS;
    }

    /** Writes a canonical image (see the class comment). */
    public static void write(SourceRow c, StateBytes.Writer w) {
        int flags = (c.orgId != null ? ORG : 0)
                | (MetricRules.CHALLENGE.equals(c.reason) ? CHALLENGE : 0)
                | (MetricRules.SUMMARIZE.equals(c.reason) ? SUMMARIZE : 0)
                | (c.approvedAt != null ? APPROVED : 0);
        switch (c.kind) {
            case USAGE:
                w.byteValue(flags);
                orgIfPresent(c, w);
                w.varLong(hourOf(c.eventTime)).doubleValue(c.amount);
                break;
            case HITL_QUEUE:
                w.byteValue(flags);
                orgIfPresent(c, w);
                w.varLong(hourOf(c.eventTime));
                if (c.approvedAt != null) {
                    w.varLong(hourOf(c.approvedAt));
                }
                break;
            case PAGE_USAGE:
                w.byteValue(flags | (c.parentId != null ? RUN : 0)).string(c.orgKey);
                if (c.parentId != null) {
                    w.string(RowKeys.of(FILE_SPACE, c.parentId));
                }
                w.varLong((long) c.amount).varLong(hourOf(c.eventTime));
                break;
            case ORGANIZATION:
                w.byteValue(flags);
                orgIfPresent(c, w);
                w.string(c.orgKey);
                break;
            case WORKFLOW:
            case API_DEPLOYMENT:
            case PIPELINE:
                w.byteValue(flags);
                orgIfPresent(c, w);
                break;
            case WORKFLOW_FILE_EXECUTION:
                w.byteValue(flags).byteValue(MetricRules.COMPLETED.equals(c.status) ? 1 : 2)
                        .string(RowKeys.of(EXECUTION_SPACE, c.parentId)).varLong(hourOf(c.eventTime));
                break;
            case WORKFLOW_EXECUTION:
                w.byteValue(flags | (c.parentId != null ? WORKFLOW : 0) | (c.pipelineId != null ? PIPELINE : 0));
                if (c.parentId != null) {
                    w.string(RowKeys.of(RowKind.WORKFLOW.code(), c.parentId));
                }
                if (c.pipelineId != null) {
                    w.string(RowKeys.of(RowKind.PIPELINE.code(), c.pipelineId));
                }
                w.varLong(hourOf(c.eventTime));
                break;
            default:
                throw new IllegalArgumentException("not a source table: " + c.kind);
        }
    }

    /** Reads a canonical image of {@code kind} whose row id is {@code id}. */
    public static SourceRow read(RowKind kind, String id, StateBytes.Reader r) {
        SourceRow c = new SourceRow(kind, id);
        int flags = r.byteValue();
        switch (kind) {
            case USAGE:
                c.orgId = (flags & ORG) != 0 ? r.varLong() : null;
                c.status = MetricRules.LLM;
                c.reason = (flags & CHALLENGE) != 0 ? MetricRules.CHALLENGE
                        : (flags & SUMMARIZE) != 0 ? MetricRules.SUMMARIZE : null;
                c.eventTime = r.varLong() * HOUR_MS;
                c.amount = r.doubleValue();
                break;
            case HITL_QUEUE:
                c.orgId = (flags & ORG) != 0 ? r.varLong() : null;
                c.eventTime = r.varLong() * HOUR_MS;
                if ((flags & APPROVED) != 0) {
                    c.status = MetricRules.APPROVED;
                    c.approvedAt = r.varLong() * HOUR_MS;
                }
                break;
            case PAGE_USAGE:
                c.orgKey = r.string();
                c.parentId = (flags & RUN) != 0 ? RowKeys.id(r.string()) : null;
                c.amount = r.varLong();
                c.eventTime = r.varLong() * HOUR_MS;
                break;
            case ORGANIZATION:
                c.orgId = (flags & ORG) != 0 ? r.varLong() : null;
                c.orgKey = r.string();
                break;
            case WORKFLOW:
            case API_DEPLOYMENT:
                c.orgId = (flags & ORG) != 0 ? r.varLong() : null;
                break;
            case PIPELINE:
                c.orgId = (flags & ORG) != 0 ? r.varLong() : null;
                c.status = MetricRules.ETL;
                break;
            case WORKFLOW_FILE_EXECUTION:
                c.status = r.byteValue() == 1 ? MetricRules.COMPLETED : MetricRules.ERROR;
                c.parentId = RowKeys.id(r.string());
                c.eventTime = r.varLong() * HOUR_MS;
                break;
            case WORKFLOW_EXECUTION:
                c.parentId = (flags & WORKFLOW) != 0 ? RowKeys.id(r.string()) : null;
                c.pipelineId = (flags & PIPELINE) != 0 ? RowKeys.id(r.string()) : null;
                c.eventTime = r.varLong() * HOUR_MS;
                break;
            default:
                throw new IllegalArgumentException("not a source table: " + kind);
        }
        return c;
    }

    private static void orgIfPresent(SourceRow c, StateBytes.Writer w) {
        if (c.orgId != null) {
            w.varLong(c.orgId);
        }
    }
}
