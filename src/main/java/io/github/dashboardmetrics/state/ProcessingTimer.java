package io.github.dashboardmetrics.state;

import java.io.Serializable;

/**
 * A processing-time timer an operator keeps per key in an internal timer service (void namespace),
 * whose time it also keeps in a {@code Long} value state: a bootstrap that writes that value for a
 * key writes the timer with it, so the savepoint holds both, as the operator's own checkpoints do.
 *
 * @param valueState   the value state holding the timer's time
 * @param timerService the internal timer service's name (part of the savepoint contract)
 */
public record ProcessingTimer(String valueState, String timerService) implements Serializable {}
