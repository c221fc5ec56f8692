package io.github.dashboardmetrics.demo;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Chooses each step's operation: first ordinary or tricky (with the configured tricky
 * fraction), then one of that group's runnable operations by weight.
 *
 * <p>Until an operation has run once, its weight is multiplied by {@link #NOT_YET_RUN_BOOST}.
 * Rare operations (deleting an organisation, a workflow cascade) would otherwise now and then
 * not happen at all in a short run, and short runs are what integration tests can afford. Once
 * every operation has run, the mix is exactly the base weights.
 */
final class OperationChooser {
    static final double NOT_YET_RUN_BOOST = 10;

    private final WorkloadRandom random;
    private final double trickyFraction;
    private final List<WorkloadOperation> enabled;
    private final Set<WorkloadOperation> notYetRun = EnumSet.noneOf(WorkloadOperation.class);

    OperationChooser(WorkloadRandom random, double trickyFraction, List<WorkloadOperation> enabled) {
        this.random = random;
        this.trickyFraction = trickyFraction;
        this.enabled = List.copyOf(enabled);
        this.notYetRun.addAll(enabled);
    }

    /** The next operation; {@code canRun} says which ones have something to act on now. */
    WorkloadOperation choose(Predicate<WorkloadOperation> canRun) {
        boolean tricky = random.chance(trickyFraction);
        WorkloadOperation chosen = chooseAmong(tricky, canRun);
        if (chosen == null) {
            chosen = chooseAmong(!tricky, canRun);
        }
        if (chosen == null) {
            throw new IllegalStateException("no workload operation can run (was setUp() called?)");
        }
        notYetRun.remove(chosen);
        return chosen;
    }

    private WorkloadOperation chooseAmong(boolean tricky, Predicate<WorkloadOperation> canRun) {
        double[] weights = new double[enabled.size()];
        boolean any = false;
        for (int i = 0; i < weights.length; i++) {
            WorkloadOperation operation = enabled.get(i);
            if (operation.tricky() == tricky && canRun.test(operation)) {
                weights[i] = operation.weight() * (notYetRun.contains(operation) ? NOT_YET_RUN_BOOST : 1);
                any = true;
            }
        }
        return any ? enabled.get(random.weightedIndex(weights)) : null;
    }
}
