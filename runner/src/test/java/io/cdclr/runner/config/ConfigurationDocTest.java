package io.cdclr.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the config declarations; this fails when the two disagree. */
class ConfigurationDocTest {

    @Test
    void configurationReferenceMatchesTheCode() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        String expected = ConfigReference.markdown();
        String actual = Files.exists(doc) ? Files.readString(doc) : "";
        assertEquals(expected, actual, "docs/configuration.md is out of date; regenerate it with: "
                + "java -cp runner/target/cdc-runner.jar io.cdclr.runner.config.ConfigReference > docs/configuration.md");
    }
}
