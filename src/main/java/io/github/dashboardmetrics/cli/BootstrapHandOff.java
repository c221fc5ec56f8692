package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.bootstrap.BootstrapRecord;
import io.github.dashboardmetrics.config.JobConfig;
import io.github.dashboardmetrics.source.CdcSourceFactory.Startup;
import io.github.dashboardmetrics.source.SourcePreflight;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code run --from-savepoint} of a bootstrap's savepoint: the savepoint holds no source position,
 * only state that ends at its slot's consistent point, so the start must stream from exactly that
 * point, with the retention the state was built with. Anything else would lose changes or count
 * rows twice; it is refused with what to do instead.
 */
final class BootstrapHandOff {
    private BootstrapHandOff() {}

    /** A local run from {@code --from-savepoint}. */
    static void check(JobConfig config) {
        check(config, config.fromSavepoint(), true);
    }

    /**
     * A start from {@code savepoint}. {@code slotAtConsistentPoint}: also require the slot to be
     * exactly at the consistent point, which catches a second start from the same savepoint; not
     * in application mode, where main() runs again on every JobManager failover with the same
     * savepoint path while the job restores from its newer checkpoints.
     */
    static void check(JobConfig config, String savepoint, boolean slotAtConsistentPoint) {
        Optional<BootstrapRecord> record;
        try {
            record = BootstrapRecord.read(savepoint);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the bootstrap record of " + savepoint + ": "
                    + e.getMessage(), e);
        }
        if (record.isEmpty()) {
            return;
        }
        BootstrapRecord r = record.get();
        if (config.readsKafka()) {
            throw new IllegalArgumentException(savepoint + " is a bootstrap's savepoint, which streams from"
                    + " its PostgreSQL slot: --source kafka cannot start from it");
        }
        if (config.startup() != Startup.COMMITTED) {
            throw new IllegalArgumentException(savepoint + " is a bootstrap's savepoint: start it with"
                    + " --startup committed (the command bootstrap printed); --startup " + config.startup().name()
                    .toLowerCase(java.util.Locale.ROOT) + " would read the tables again or skip changes");
        }
        if (!r.slot().equals(config.slot())) {
            throw new IllegalArgumentException(savepoint + " was built at the consistent point of slot "
                    + r.slot() + ": start it with --slot " + r.slot());
        }
        if (!r.schema().equals(config.source().schema())) {
            throw new IllegalArgumentException(savepoint + " was built from the tables of schema " + r.schema()
                    + ": start it with --db-schema " + r.schema());
        }
        if (!r.retention().equals(config.retention())) {
            throw new IllegalArgumentException(savepoint + " was built with retention hourly/daily/monthly "
                    + r.retention().hourlyDays() + "/" + r.retention().dailyDays() + "/" + r.retention().monthlyDays()
                    + " days, and its state only restores with the same: give "
                    + String.join(" ", RetentionOptions.arguments(r.retention())));
        }
        SourcePreflight.requireSlotToResume(config.source(), config.slot(), slotAtConsistentPoint ? r.consistentPoint() : null);
    }
}
