package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.source.SlotCreationWait;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --slot-wait-timeout-s} of the commands that create a replication slot ({@code run},
 * {@code bootstrap}, {@code backfill}): how long the creation may wait for open transactions.
 */
final class SlotWaitOption {
    @Option(names = "--slot-wait-timeout-s", defaultValue = "" + SlotCreationWait.DEFAULT_LIMIT_SECONDS, paramLabel = "SECONDS",
            description = "How long creating the replication slot may wait for transactions that had written when the"
                    + " creation began (PostgreSQL waits for them to end; the wait is reported every 15 s with the session"
                    + " it waits for). After it, the creation is cancelled, no slot is left, and the command exits with 2"
                    + " and what it waited for. 0: no limit. Default: ${DEFAULT-VALUE}.")
    int seconds;

    /** The limit; refuses a negative one. */
    Duration limit() {
        if (seconds < 0) {
            throw new IllegalArgumentException("--slot-wait-timeout-s must be >= 0 seconds (0: no limit), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
