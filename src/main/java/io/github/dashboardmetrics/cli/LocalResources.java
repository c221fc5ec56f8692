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
import org.apache.flink.core.fs.FileSystem;

/**
 * What a command running Flink on this machine needs from it, checked before anything else
 * happens (no slot created, no rows written): a directory it can write, a port it can listen on,
 * the savepoint it is to restore.
 * Without the checks a bad path or a taken port fails deep in Flink, with a stack trace, after the
 * slot was created.
 */
final class LocalResources {
    /** The file that makes a directory a savepoint or a checkpoint. */
    private static final String METADATA = "_metadata";

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

    /**
     * Refuses (exit 2, one line) a {@code --from-savepoint} where there is no savepoint or retained
     * checkpoint: a directory with a {@code _metadata} file, or that file. Read through Flink's file
     * systems, as the restore reads it.
     */
    static void requireSavepoint(String savepoint) {
        String problem;
        try {
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(savepoint);
            FileSystem fs = path.getFileSystem();
            if (!fs.exists(path)) {
                problem = "no such file or directory";
            } else if (fs.getFileStatus(path).isDir() && !fs.exists(new org.apache.flink.core.fs.Path(path, METADATA))) {
                problem = "a directory without a " + METADATA + " file, so not a savepoint or retained checkpoint"
                        + " (a checkpoint is the chk-N directory inside)";
            } else {
                return;
            }
        } catch (IOException | IllegalArgumentException e) {
            problem = "cannot read it (" + e.getMessage() + ")";
        }
        throw new IllegalArgumentException("--from-savepoint " + savepoint + ": " + problem);
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
