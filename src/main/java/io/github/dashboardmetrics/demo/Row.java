package io.github.dashboardmetrics.demo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Column values of one INSERT, or the assignments of one UPDATE, in column order. */
final class Row {
    private final Map<String, Object> values = new LinkedHashMap<>();

    static Row of(String column, Object value) {
        return new Row().set(column, value);
    }

    Row set(String column, Object value) {
        values.put(column, value);
        return this;
    }

    Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }
}
