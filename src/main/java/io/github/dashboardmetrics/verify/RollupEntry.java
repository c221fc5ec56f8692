package io.github.dashboardmetrics.verify;

/** One rollup row, expected (recomputed) or actual (read from a table). */
public record RollupEntry(RollupKey key, RollupValue value) {}
