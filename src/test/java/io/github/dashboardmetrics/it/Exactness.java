package io.github.dashboardmetrics.it;

import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.verify.RollupVerifier;
import io.github.dashboardmetrics.verify.VerifyReport;
import io.github.dashboardmetrics.verify.VerifyScope;
import java.time.Duration;
import java.time.Instant;

/** What every integration test of the job shares: a printed, overridable seed and the verify oracle. */
final class Exactness {
    /** Long enough for a snapshot and a catch-up on a loaded 2-core machine. */
    static final Duration CATCH_UP = Duration.ofSeconds(240);

    private Exactness() {}

    /** The workload seed: {@code -Dseed=N}, else a new one; printed so a failure can be replayed. */
    static long seed(String test) {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println(test + " seed=" + seed + " (rerun with -Dseed=" + seed + ")");
        return seed;
    }

    /** Polls {@code verify} until the rollup tables equal the recomputation; fails with the differences. */
    static VerifyReport awaitExact(DatabaseTarget source, DatabaseTarget rollup) throws Exception {
        return Await.until("rollups in " + rollup.schema() + " equal to the recomputation", CATCH_UP,
                () -> RollupVerifier.verify(source, rollup, VerifyScope.everything(Instant.now())),
                VerifyReport::isEqual);
    }
}
