package io.github.dashboardmetrics.wire;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type information of a record with a {@link WireSerializer}; the record's class names it
 * with {@code @TypeInfo}, so that {@code TypeInformation.of(...)} and {@code returns(...)} find it.
 */
public final class WireType<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final WireSerializer<T> serializer;

    public WireType(Class<T> type, WireSerializer<T> serializer) {
        this.type = Objects.requireNonNull(type);
        this.serializer = Objects.requireNonNull(serializer);
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    /** Not a key: the job keys its streams by strings it derives from the record. */
    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    @Deprecated
    public TypeSerializer<T> createSerializer(ExecutionConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return "WireType<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireType<?> w && w.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof WireType;
    }

    /** The factory a record's {@code @TypeInfo} names: one subclass per record, with a no-argument constructor. */
    public abstract static class Factory<T> extends TypeInfoFactory<T> {
        private final Class<T> type;
        private final WireSerializer<T> serializer;

        protected Factory(Class<T> type, WireSerializer<T> serializer) {
            this.type = type;
            this.serializer = serializer;
        }

        @Override
        public TypeInformation<T> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new WireType<>(type, serializer);
        }
    }
}
