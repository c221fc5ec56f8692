package io.github.dashboardmetrics.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the newest completed checkpoint under a state directory, so that running the same command
 * again after a crash resumes where the job stopped. A checkpoint is complete when its
 * {@code _metadata} file exists (Flink writes it last).
 */
public final class CheckpointLocator {
    private CheckpointLocator() {}

    /** How often a listing that raced with a checkpoint's removal is tried again. */
    private static final int ATTEMPTS = 5;

    /**
     * The checkpoint directory to restore from, if any (layout: DIR/JOB_ID/chk-N/_metadata). A
     * running job removes subsumed checkpoints at any moment; a listing that meets a directory
     * vanishing under it is simply made again.
     */
    public static Optional<Path> latestCompleted(Path checkpointsDir) {
        for (int attempt = 1; ; attempt++) {
            try {
                return listLatest(checkpointsDir);
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException) || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static Optional<Path> listLatest(Path checkpointsDir) {
        if (!Files.isDirectory(checkpointsDir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(checkpointsDir, 3,
                (p, attrs) -> attrs.isRegularFile() && p.getFileName().toString().equals("_metadata")
                        && p.getParent().getFileName().toString().startsWith("chk-"))) {
            return files.max(Comparator.comparingLong(CheckpointLocator::modified)).map(Path::getParent);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint directory " + checkpointsDir, e);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE; // vanished while listing: not a candidate
        }
    }
}
