package io.github.dashboardmetrics.demo;

/** What every operation group works with: the model, the seeded random, times, rows, the database. */
record GeneratorContext(
        WorkloadModel model,
        WorkloadRandom random,
        TimestampPicker times,
        UnstractRows rows,
        SourceRowWriter db,
        boolean hitlQueue) {
}
