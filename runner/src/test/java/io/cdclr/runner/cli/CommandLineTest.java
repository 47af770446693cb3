package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.config.ConfigError;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void resetWithAndWithoutForce() {
        CommandLine plain = CommandLine.parse("reset", "--config", "x.properties");
        assertEquals(CommandLine.Command.RESET, plain.command());
        assertFalse(plain.force());
        assertTrue(CommandLine.parse("reset", "--force").force());
    }

    @Test
    void forceIsForResetOnly() {
        ConfigError e = assertThrows(ConfigError.class, () -> CommandLine.parse("run", "--force"));
        assertTrue(e.getMessage().contains("--force applies to reset only"), e.getMessage());
    }

    @Test
    void unknownCommandListsReset() {
        ConfigError e = assertThrows(ConfigError.class, () -> CommandLine.parse("rest"));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
    }

    @Test
    void usageDocumentsResetAndExitCodeFour() {
        String usage = Main.usage();
        assertTrue(usage.contains("  reset "), usage);
        assertTrue(usage.contains("--force"), usage);
        assertTrue(usage.contains("4 replication slot dropped or invalidated"), usage);
    }

    @Test
    void versionAsACommandAndAsAnOption() {
        assertEquals(CommandLine.Command.VERSION, CommandLine.parse("version").command());
        assertEquals(CommandLine.Command.VERSION, CommandLine.parse("--version").command());
        assertTrue(Main.usage().contains("version, --version"), Main.usage());
    }

    @Test
    void versionPrintsAndExitsZeroWithoutAnyConfiguration() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code = Main.run(new String[] {"--version"}, java.util.Map.of(), new java.io.PrintStream(out, true),
                System.err);
        assertEquals(0, code);
        // Classes run from target/classes have no manifest: the version is "unknown" here, the JAR's in the IT.
        assertEquals("cdc-runner unknown", out.toString().strip());
    }

    @Test
    void anUnknownLogFormatIsAConfigErrorNamingTheVariableAlongsideTheOthers() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = Main.run(new String[] {"tail"}, java.util.Map.of("CDC_LOG_FORMAT", "yaml"), System.out,
                new java.io.PrintStream(err, true));
        assertEquals(2, code);
        String text = err.toString();
        assertTrue(text.startsWith("config error: CDC_LOG_FORMAT: 'yaml' is not a log format"), text);
        assertTrue(text.contains("config error: kinesis.stream (KINESIS_STREAM): required but not set"), text);
    }
}
