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
}
