package io.github.dashboardmetrics.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a command running Flink on this machine needs from it, checked before anything else
 * happens (no slot created, no rows written): a directory it can write, a port it can listen on.
 * Without the checks a bad path or a taken port fails deep in Flink, with a stack trace, after the
 * slot was created.
 */
final class LocalResources {
    private LocalResources() {}

    /** Creates {@code dir} when missing; refuses (exit 2, one line) one that cannot be created or written. */
    static void requireWritableDirectory(Path dir, String option) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot create the directory (" + reason(e) + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": this user may not write the directory");
        }
    }

    /** Refuses (exit 2, one line) a port another process listens on; 0 (any free port) passes. */
    static void requireFreePort(int port, String option) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // as the servers that will listen there: a closed connection's TIME_WAIT is no obstacle
            socket.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + port + ": cannot listen on it (" + e.getMessage()
                    + "); another process uses it, perhaps another local job: give another port, or 0 for any free one");
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name exists";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason(); // e.g. "Not a directory", "Read-only file system"
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
