package io.github.dashboardmetrics.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A set of model entries with O(1) add, remove, lookup and uniform random pick. The pick order
 * depends only on the sequence of adds and removes, never on hashing, which keeps the
 * workload deterministic for a seed.
 */
final class Pool<K, V> {
    private final List<K> keys = new ArrayList<>();
    private final List<V> values = new ArrayList<>();
    private final Map<K, Integer> positions = new HashMap<>();

    void add(K key, V value) {
        if (positions.putIfAbsent(key, keys.size()) != null) {
            throw new IllegalStateException("already in the model: " + key);
        }
        keys.add(key);
        values.add(value);
    }

    /** Removes the entry by moving the last one into its place. */
    V remove(K key) {
        Integer position = positions.remove(key);
        if (position == null) {
            return null;
        }
        V removed = values.get(position);
        int last = keys.size() - 1;
        if (position != last) {
            K movedKey = keys.get(last);
            keys.set(position, movedKey);
            values.set(position, values.get(last));
            positions.put(movedKey, position);
        }
        keys.remove(last);
        values.remove(last);
        return removed;
    }

    /** Removes and returns a random entry (the pool must not be empty). */
    V removeRandom(WorkloadRandom random) {
        return remove(random.pick(keys));
    }

    V get(K key) {
        Integer position = positions.get(key);
        return position == null ? null : values.get(position);
    }

    boolean contains(K key) {
        return positions.containsKey(key);
    }

    int size() {
        return keys.size();
    }

    boolean isEmpty() {
        return keys.isEmpty();
    }

    V pick(WorkloadRandom random) {
        return random.pick(values);
    }

    /** A random entry other than {@code excluded}, or null when there is none. */
    V pickOtherThan(V excluded, WorkloadRandom random) {
        if (values.isEmpty() || (values.size() == 1 && Objects.equals(values.get(0), excluded))) {
            return null;
        }
        V picked;
        do {
            picked = pick(random);
        } while (Objects.equals(picked, excluded));
        return picked;
    }

    /** The entries, in pool order (deterministic); a read-only view. */
    List<V> values() {
        return Collections.unmodifiableList(values);
    }

    /** The entries matching {@code filter}, in pool order. */
    List<V> matching(Predicate<V> filter) {
        List<V> out = new ArrayList<>();
        for (V value : values) {
            if (filter.test(value)) {
                out.add(value);
            }
        }
        return out;
    }
}
