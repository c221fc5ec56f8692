package io.github.dashboardmetrics.state;

/**
 * One entry of an operator's keyed state, carried from the operator that built it to the writer of
 * a savepoint (a bootstrap): the state's name, the key, and the map key (map states only) and
 * value, each in the bytes of the state's own serializers.
 */
public class StateEntry {
    public String state;
    public String key;
    /** Null for a value state. */
    public byte[] mapKey;
    public byte[] value;

    public StateEntry() {}

    public StateEntry(String state, String key, byte[] mapKey, byte[] value) {
        this.state = state;
        this.key = key;
        this.mapKey = mapKey;
        this.value = value;
    }
}
