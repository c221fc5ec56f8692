package io.github.dashboardmetrics.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Optional JDK Flight Recorder recordings of single phases ({@code bench --jfr DIR}): the job runs
 * in the benchmark's JVM, so a recording started here profiles it. One file per phase
 * ({@code rocksdb-snapshot.jfr}, {@code rocksdb-catchup.jfr}...), with the JDK's "profile" settings.
 */
final class JfrPhases {
    private final Path dir;

    JfrPhases(Path dir) {
        this.dir = dir;
    }

    /** Starts a recording named {@code name}, or returns null when recording is off. */
    Recording start(String name) throws Exception {
        if (dir == null) {
            return null;
        }
        Files.createDirectories(dir);
        Recording r = new Recording(Configuration.getConfiguration("profile"));
        r.setName(name);
        r.setDestination(dir.resolve(name + ".jfr"));
        r.start();
        return r;
    }

    /** Stops a recording started by {@link #start} (writing its file); null is fine. */
    static void stop(Recording r) {
        if (r != null && r.getState() == jdk.jfr.RecordingState.RUNNING) {
            r.stop(); // writes the file
            r.close();
        }
    }
}
