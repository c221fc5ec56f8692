package io.github.dashboardmetrics.source;

/** A change event that claims to be a row change but cannot be read: the reason says why. */
public class BadChangeEvent extends Exception {
    private static final long serialVersionUID = 1L;

    public BadChangeEvent(String reason) {
        super(reason);
    }
}
