package io.github.dashboardmetrics.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A password file for commands run inside the test JVM, whose environment cannot be set: the
 * embedded PostgreSQL's password, as {@code --db-password-file} reads it.
 */
public final class TestPasswordFile {
    private static Path file;

    private TestPasswordFile() {}

    /** The path of a file holding the embedded database's password. */
    public static synchronized String path() {
        if (file == null) {
            try {
                file = Files.createTempFile("dashboard-metrics-test-password", ".txt");
                Files.writeString(file, "postgres\n");
                file.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file.toString();
    }
}
