package io.cdclr.runner.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * The runner's logging, set up in code: one line per event on stderr, {@code key=value} fields in the message (stdout
 * stays clean for {@code tail} and {@code preflight} output). {@code CDC_LOG_LEVEL} sets the level of the runner's
 * own loggers (default INFO); libraries log warnings and errors only. {@code CDC_LOG_FORMAT=json} writes one JSON object
 * per line instead ({@link JsonLineEncoder}).
 *
 * <p>In code rather than in a {@code logback.xml}: reading an XML configuration loads and runs logback's whole
 * configuration machinery at start-up: 29 % of the main thread's samples in a start-up profile. A file given
 * with {@code -Dlogback.configurationFile=...} still takes precedence.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class RunnerLogging extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} %msg%n";
    static final Map<String, Level> LIBRARY_LEVELS = Map.of(
            "io.debezium", Level.WARN,
            "org.apache.kafka", Level.WARN,
            "software.amazon.awssdk", Level.WARN,
            "io.netty", Level.WARN,
            "org.apache.http", Level.WARN,
            "org.postgresql", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // the operator's own configuration file
        }
        ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder = encoder(context, System.getenv(LogFormat.VARIABLE));
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        context.getLogger("io.cdclr").setLevel(Level.toLevel(System.getenv("CDC_LOG_LEVEL"), Level.INFO));
        LIBRARY_LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        context.addTurboFilter(new SlotLostLogFilter());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The encoder {@code CDC_LOG_FORMAT} asks for. An unknown value logs as text here: the CLI reports it as a
     * configuration error (exit 2) before anything else happens.
     */
    static ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
        LogFormat chosen = LogFormat.problem(format) == null ? LogFormat.parse(format) : LogFormat.TEXT;
        if (chosen == LogFormat.JSON) {
            JsonLineEncoder json = new JsonLineEncoder();
            json.setContext(context);
            json.start();
            return json;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }
}
