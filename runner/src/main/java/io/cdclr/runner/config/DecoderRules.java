package io.cdclr.runner.config;

import io.cdclr.connector.config.ConfigRule;
import java.util.List;

/** The rules across the decoder's keys and the source connector's table filter, reported on {@code tables}. */
final class DecoderRules {
    private static final String ADD_TABLES = RunnerConfig.WAL2JSON_OPTION_PREFIX + "add-tables";

    static final List<ConfigRule> RULES = List.of(
            ConfigRule.on(DecoderSettings.TABLES, List.of(DecoderSettings.DECODER),
                    c -> pgoutput(c.getString(DecoderSettings.DECODER)) && c.getList(DecoderSettings.TABLES).isEmpty()
                            ? "required with decoder=pgoutput (the tables to capture and publish, as schema.table)"
                            : null),
            ConfigRule.on(DecoderSettings.TABLES, List.of(DecoderSettings.DECODER),
                    c -> !pgoutput(c.getString(DecoderSettings.DECODER)) && !c.getList(DecoderSettings.TABLES).isEmpty()
                            && c.isSet(ADD_TABLES) ? "set either tables or " + ADD_TABLES + ", not both" : null));

    private DecoderRules() {
    }

    private static boolean pgoutput(String decoder) {
        return DecoderSettings.PGOUTPUT.equals(decoder);
    }
}
