package io.ttes.operator.upgrade;

import io.ttes.operator.status.Outcome;
import java.time.Duration;

/**
 * What a phase handler decided: the outcome to show and when to look again (null: on the next event
 * only). A step that returns null instead means "done, go on with the next one".
 */
record PhaseResult(Outcome outcome, Duration reschedule) {}
