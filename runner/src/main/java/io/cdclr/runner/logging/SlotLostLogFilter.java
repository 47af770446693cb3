package io.cdclr.runner.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.cdclr.connector.replication.SlotLostException;
import org.slf4j.Marker;

/**
 * Drops the libraries' own reports of a lost replication slot (the Debezium engine logs the task's failure with a
 * stack trace): the runner logs it once as {@code event=slot_lost} and prints the one error line, and a stack trace
 * of a condition outside the process would only bury that line.
 */
public final class SlotLostLogFilter extends TurboFilter {
    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (logger == null || logger.getName().startsWith("io.cdclr")) {
            return FilterReply.NEUTRAL;
        }
        Throwable thrown = t;
        if (thrown == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last) {
            thrown = last;
        }
        return thrown != null && SlotLostException.find(thrown) != null ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
