package io.github.dashboardmetrics.demo;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DDL resource {@code /schema/unstract_schema.sql} (Unstract's source tables and the three
 * rollup tables), split into statements and run inside one schema.
 *
 * <p>The script creates everything in the current search path, so it is run with
 * {@code SET LOCAL search_path} in a single transaction: a failure leaves no half-built schema.
 */
public final class UnstractSchemaScript {
    public static final String RESOURCE = "/schema/unstract_schema.sql";
    private static final String HITL_TABLE = "\"hitl_queue\"";

    private UnstractSchemaScript() {
    }

    /**
     * Creates {@code schema} and the tables in it, in one transaction on {@code connection}
     * (whose autocommit setting is restored afterwards).
     *
     * @param withHitlQueue false leaves out hitl_queue and its foreign key, as in Unstract OSS
     * @throws SQLException also when the schema already exists
     */
    public static void create(Connection connection, String schema, boolean withHitlQueue) throws SQLException {
        DatabaseTarget.requireIdentifier(schema, "schema");
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA \"" + schema + "\"");
            statement.execute("SET LOCAL search_path TO \"" + schema + "\"");
            for (String sql : statements(withHitlQueue)) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The script's statements, without comments; hitl_queue's left out when asked. */
    public static List<String> statements(boolean withHitlQueue) {
        List<String> all = split(readResource());
        if (withHitlQueue) {
            return all;
        }
        List<String> withoutHitl = new ArrayList<>();
        for (String sql : all) {
            // Its CREATE TABLE and its ALTER TABLE ... FOREIGN KEY; nothing else names the table.
            if (!sql.toLowerCase(Locale.ROOT).contains(HITL_TABLE)) {
                withoutHitl.add(sql);
            }
        }
        return withoutHitl;
    }

    /**
     * Splits SQL text on semicolons that are outside quotes and comments. Line comments are
     * dropped (several of the script's comments contain semicolons). Enough for this DDL script,
     * which has no dollar quoting or block comments.
     */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? script.length() : end;
            } else if (c == '\'' || c == '"') {
                int end = closingQuote(script, i);
                current.append(script, i, end + 1);
                i = end + 1;
            } else if (c == ';') {
                addIfNotBlank(statements, current);
                current.setLength(0);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        addIfNotBlank(statements, current);
        return statements;
    }

    /** Index of the quote that closes the one at {@code open}; a doubled quote is an escaped one. */
    private static int closingQuote(String script, int open) {
        char quote = script.charAt(open);
        int i = open + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("unterminated " + quote + " quote at offset " + open);
    }

    private static void addIfNotBlank(List<String> statements, StringBuilder sql) {
        String trimmed = sql.toString().strip();
        if (!trimmed.isEmpty()) {
            statements.add(trimmed);
        }
    }

    private static String readResource() {
        try (InputStream in = UnstractSchemaScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }
}
