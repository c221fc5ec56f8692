package io.github.dashboardmetrics.verify;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How {@link RollupVerifier} treats the differences of its first comparison: it compares those
 * rollup rows again, each time as the first comparison read them (in one new snapshot when source
 * and rollups share a database), every {@code every} for at most {@code within} (at least once),
 * and reports only the rows that differed every time. Under a steady flow of changes the first
 * comparison also finds what the job had not committed at that moment (its last checkpoint
 * interval and one commit); such a row agrees at a later comparison. A row is accepted once it
 * agrees in one comparison, the first or a later one, as the first comparison alone accepts it.
 *
 * @param within how long rechecks go on; {@link Duration#ZERO}: none, the first comparison is the report
 * @param every the pause before each recheck (a checkpoint interval and a commit, for the job to catch up)
 * @param progress hears one line after the first comparison when rechecks follow, and one per recheck
 */
public record Recheck(Duration within, Duration every, Consumer<String> progress) {
    public Recheck {
        Objects.requireNonNull(within, "within");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(progress, "progress");
        if (within.isNegative()) {
            throw new IllegalArgumentException("the recheck time must be >= 0, not " + within);
        }
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("the pause between rechecks must be > 0, not " + every);
        }
    }
}
