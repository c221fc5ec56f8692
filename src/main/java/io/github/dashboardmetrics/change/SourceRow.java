package io.github.dashboardmetrics.change;

import io.github.dashboardmetrics.wire.SourceRowSerializer;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The projection of a row onto the few fields the metrics read. One flat type serves every source
 * table and every derived join row, so that all streams share one Flink POJO serializer (no Kryo)
 * and state holds only what a metric needs, never whole rows.
 *
 * <p>Which field holds what, per {@link RowKind}:
 *
 * <table>
 * <tr><th>kind</th><th>id</th><th>orgId</th><th>orgKey</th><th>parentId</th><th>pipelineId</th><th>status</th><th>reason</th><th>amount</th></tr>
 * <tr><td>ORGANIZATION</td><td>id</td><td>id</td><td>organization_id string</td></tr>
 * <tr><td>WORKFLOW</td><td>id</td><td>organization_id</td></tr>
 * <tr><td>PIPELINE</td><td>id</td><td>organization_id</td><td></td><td></td><td></td><td>pipeline_type</td></tr>
 * <tr><td>API_DEPLOYMENT</td><td>id</td><td>organization_id</td></tr>
 * <tr><td>WORKFLOW_EXECUTION</td><td>id</td><td></td><td></td><td>workflow_id</td><td>pipeline_id</td></tr>
 * <tr><td>WORKFLOW_FILE_EXECUTION</td><td>id</td><td></td><td></td><td>workflow_execution_id</td><td></td><td>status</td></tr>
 * <tr><td>USAGE</td><td>id</td><td>organization_id</td><td></td><td></td><td></td><td>usage_type</td><td>llm_usage_reason</td><td>cost_in_dollars</td></tr>
 * <tr><td>PAGE_USAGE</td><td>id</td><td></td><td>organization_id string</td><td>run_id</td><td></td><td></td><td></td><td>pages_processed</td></tr>
 * <tr><td>HITL_QUEUE</td><td>id</td><td>organization_id</td><td></td><td></td><td></td><td>state</td></tr>
 * <tr><td>derived kinds</td><td>fact id</td><td>resolved org</td><td></td><td>id of the other side</td><td></td><td>status (file rows)</td><td></td><td>pages (page rows)</td></tr>
 * </table>
 *
 * <p>{@code eventTime} is the row's {@code created_at} (epoch millis); {@code approvedAt} is
 * hitl_queue's approved_at (epoch millis) or null. Derived rows carry the event time of the fact
 * whose bucket they count in.
 */
@TypeInfo(SourceRowSerializer.Factory.class)
public class SourceRow {
    public RowKind kind;
    public String id;
    public Long orgId;
    public String orgKey;
    public String parentId;
    public String pipelineId;
    public String status;
    public String reason;
    public double amount;
    public Long eventTime;
    public Long approvedAt;

    /** For Flink's POJO serializer. */
    public SourceRow() {}

    public SourceRow(RowKind kind, String id) {
        this.kind = kind;
        this.id = id;
    }

    public SourceRow copy() {
        SourceRow r = new SourceRow(kind, id);
        r.orgId = orgId;
        r.orgKey = orgKey;
        r.parentId = parentId;
        r.pipelineId = pipelineId;
        r.status = status;
        r.reason = reason;
        r.amount = amount;
        r.eventTime = eventTime;
        r.approvedAt = approvedAt;
        return r;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SourceRow)) {
            return false;
        }
        SourceRow r = (SourceRow) o;
        // Compare amounts bitwise: NaN equals NaN, so a replayed image is recognised as unchanged.
        return kind == r.kind
                && Objects.equals(id, r.id)
                && Objects.equals(orgId, r.orgId)
                && Objects.equals(orgKey, r.orgKey)
                && Objects.equals(parentId, r.parentId)
                && Objects.equals(pipelineId, r.pipelineId)
                && Objects.equals(status, r.status)
                && Objects.equals(reason, r.reason)
                && Double.doubleToLongBits(amount) == Double.doubleToLongBits(r.amount)
                && Objects.equals(eventTime, r.eventTime)
                && Objects.equals(approvedAt, r.approvedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, id, orgId, orgKey, parentId, pipelineId, status, reason, amount, eventTime, approvedAt);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(kind + "{id=" + id);
        if (orgId != null) b.append(", orgId=").append(orgId);
        if (orgKey != null) b.append(", orgKey=").append(orgKey);
        if (parentId != null) b.append(", parentId=").append(parentId);
        if (pipelineId != null) b.append(", pipelineId=").append(pipelineId);
        if (status != null) b.append(", status=").append(status);
        if (reason != null) b.append(", reason=").append(reason);
        if (amount != 0) b.append(", amount=").append(amount);
        if (eventTime != null) b.append(", eventTime=").append(eventTime);
        if (approvedAt != null) b.append(", approvedAt=").append(approvedAt);
        return b.append('}').toString();
    }
}
