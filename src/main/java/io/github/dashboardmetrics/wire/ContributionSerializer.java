package io.github.dashboardmetrics.wire;

import io.github.dashboardmetrics.attribute.Contribution;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link Contribution} on the wire. */
public final class ContributionSerializer extends WireSerializer<Contribution> {
    private static final long serialVersionUID = 1L;
    public static final ContributionSerializer INSTANCE = new ContributionSerializer();

    @Override
    public Contribution createInstance() {
        return new Contribution();
    }

    @Override
    public Contribution copy(Contribution from) {
        return from == null ? null : from.scaled(1);
    }

    @Override
    public void serialize(Contribution c, DataOutputView out) throws IOException {
        writeString(c.target, out);
        out.writeInt(c.metric);
        out.writeLong(c.hour);
        out.writeLong(c.value);
        out.writeLong(c.count);
        out.writeLong(c.sourceTsMs);
    }

    @Override
    public Contribution deserialize(DataInputView in) throws IOException {
        return new Contribution(readString(in), in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
    }

    public static final class Factory extends WireType.Factory<Contribution> {
        public Factory() {
            super(Contribution.class, INSTANCE);
        }
    }
}
