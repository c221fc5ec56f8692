package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.change.SourceRow;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link SourceRow} on the wire; also the nested row of the other records (null allowed there). */
public final class SourceRowSerializer extends WireSerializer<SourceRow> {
    private static final long serialVersionUID = 1L;
    public static final SourceRowSerializer INSTANCE = new SourceRowSerializer();

    @Override
    public SourceRow createInstance() {
        return new SourceRow();
    }

    @Override
    public SourceRow copy(SourceRow from) {
        return from == null ? null : from.copy();
    }

    @Override
    public void serialize(SourceRow row, DataOutputView out) throws IOException {
        writeKind(row.kind, out);
        writeString(row.id, out);
        writeNullableLong(row.orgId, out);
        writeString(row.orgKey, out);
        writeString(row.parentId, out);
        writeString(row.pipelineId, out);
        writeString(row.status, out);
        writeString(row.reason, out);
        out.writeDouble(row.amount);
        writeNullableLong(row.eventTime, out);
        writeNullableLong(row.approvedAt, out);
    }

    @Override
    public SourceRow deserialize(DataInputView in) throws IOException {
        SourceRow row = new SourceRow(readKind(in), readString(in));
        row.orgId = readNullableLong(in);
        row.orgKey = readString(in);
        row.parentId = readString(in);
        row.pipelineId = readString(in);
        row.status = readString(in);
        row.reason = readString(in);
        row.amount = in.readDouble();
        row.eventTime = readNullableLong(in);
        row.approvedAt = readNullableLong(in);
        return row;
    }

    public static final class Factory extends WireType.Factory<SourceRow> {
        public Factory() {
            super(SourceRow.class, INSTANCE);
        }
    }
}
