package io.github.dashboardmetrics.source;

/** A configuration or database prerequisite that is not met; the message says how to fix it. */
public class PreflightException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PreflightException(String message) {
        super(message);
    }

    public PreflightException(String message, Throwable cause) {
        super(message, cause);
    }
}
