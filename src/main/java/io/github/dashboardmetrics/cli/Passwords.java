package io.github.dashboardmetrics.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where passwords come from: an environment variable or a file (a mounted secret), never a
 * command-line argument (visible to every user in the process list) and never a default.
 */
final class Passwords {
    private Passwords() {}

    /**
     * The password from {@code envName} or {@code file} (its first line), or null when neither is
     * set. Both set is a configuration error: which one wins would be a guess.
     */
    static String read(Map<String, String> env, String envName, Path file, String fileOption) {
        String fromEnv = env.get(envName);
        if (file == null) {
            return fromEnv;
        }
        if (fromEnv != null) {
            throw new IllegalArgumentException("both env " + envName + " and " + fileOption + " are set; give one");
        }
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            int end = content.indexOf('\n');
            String line = end < 0 ? content : content.substring(0, end);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (IOException e) {
            throw new IllegalArgumentException(fileOption + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** {@link #read}, failing with what to set when there is no password at all. */
    static String require(Map<String, String> env, String envName, Path file, String fileOption, String user) {
        String password = read(env, envName, file, fileOption);
        if (password == null) {
            throw new IllegalArgumentException("no password for database user " + user + ": set env " + envName
                    + " or " + fileOption + " FILE (set it empty for passwordless authentication, e.g. client"
                    + " certificates)");
        }
        return password;
    }
}
