package io.github.dashboardmetrics.bench;

import java.util.List;

/**
 * What one state backend measured, on the same data as the others.
 *
 * @param backend                 {@code rocksdb} or {@code hashmap}
 * @param checkpointIntervalMs    the job's checkpoint interval on it
 * @param liveRows                live source rows when the snapshot started (what the state holds)
 * @param snapshotSeconds         job start to rollups exact
 * @param stateBytes              full size of the first checkpoint completed after the snapshot
 * @param checkpointedBytes       bytes that checkpoint wrote (smaller than the state when incremental)
 * @param steps                   the streaming rates (empty when not measured)
 * @param checkpoints             checkpoint counts and durations over the whole run of the job
 * @param catchupChanges          changes piled up while the job was stopped (0 when not measured)
 * @param catchupSeconds          restart from the checkpoint until a probe committed after the pile was visible
 * @param heapAfterGcPeakMb       the most heap a garbage collection left in use while the job ran
 * @param rssPeakMb               the benchmark process's peak resident set size when the job was stopped
 */
public record BackendRun(String backend, long checkpointIntervalMs, long liveRows, double snapshotSeconds, boolean snapshotExact,
        long snapshotRollupRowsWritten, long stateBytes, long checkpointedBytes, List<StepResult> steps, boolean streamExact,
        long streamChanges, long rollupRowsWritten, double heapPeakMb, double heapAfterGcMb, Checkpoints.Summary checkpoints,
        long catchupChanges, double catchupSeconds, boolean catchupExact, double heapAfterGcPeakMb, double rssPeakMb) {

    public double snapshotRowsPerS() {
        return snapshotSeconds > 0 ? liveRows / snapshotSeconds : 0;
    }

    public double stateBytesPerSourceRow() {
        return stateBytes >= 0 && liveRows > 0 ? (double) stateBytes / liveRows : Double.NaN;
    }

    public double catchupChangesPerS() {
        return catchupSeconds > 0 ? catchupChanges / catchupSeconds : Double.NaN;
    }

    public double maxSustainedChangesPerS() {
        return steps.stream().filter(StepResult::sustained).mapToDouble(StepResult::achievedRate).max().orElse(0);
    }

    public double rowsWrittenPerChange() {
        return streamChanges > 0 ? (double) rollupRowsWritten / streamChanges : 0;
    }

    /** The p99 of the step at 1,000 changes/s, NaN when that rate was not run. */
    public double p99At1000() {
        return steps.stream().filter(s -> s.targetRate() == 1_000).mapToDouble(StepResult::p99Ms).findFirst().orElse(Double.NaN);
    }
}
