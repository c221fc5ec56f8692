package io.github.dashboardmetrics.cli;

import io.github.dashboardmetrics.source.PreflightException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of {@code bin/dashboard-metrics} and of the job jar under {@code flink run}. */
@Command(name = "dashboard-metrics", mixinStandardHelpOptions = true, version = "dashboard-metrics 0.1.0",
        description = "Exact, continuously updated Unstract dashboard rollups from a PostgreSQL change stream.",
        subcommands = {RunCommand.class, BootstrapCommand.class, VerifyCommand.class, BackfillCommand.class, PromoteCommand.class, DemoCommand.class,
                BenchCommand.class})
public class Main implements Runnable {
    public static void main(String[] args) {
        int code = execute(args);
        // Never System.exit on success: under the Kubernetes operator (application mode) main()
        // runs inside the JobManager, and exiting would take the JobManager down with it.
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs a command line and returns its exit code (2 for bad usage or configuration). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof PreflightException) {
                commandLine.getErr().println("dashboard-metrics: " + e.getMessage());
                return 2;
            }
            // A failure while running: the stack trace for whoever looks into it, then one line,
            // last, that says which command failed and on what.
            e.printStackTrace(commandLine.getErr());
            commandLine.getErr().println("dashboard-metrics: " + commandLine.getCommandName() + " failed: " + rootCause(e));
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * The innermost cause, as its class and message on one line (PostgreSQL's messages carry their
     * context on lines of their own): what went wrong under the layers that carried it.
     */
    static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
