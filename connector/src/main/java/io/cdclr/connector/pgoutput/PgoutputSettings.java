package io.cdclr.connector.pgoutput;

import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link PgoutputProperties} needs for decoder=pgoutput, typed: the endpoint and slot, the decoder keys of
 * {@link DecoderSettings}, and the wal2json connector keys pgoutput also honours (topic.prefix, the message prefix
 * options, reconnect.*, queue.max.bytes).
 *
 * @param publishedTables the captured tables and the signal table, as the publication must hold them
 * @param signalTable     Debezium's signal table, empty when there is none
 * @param includedMessagePrefixes exact message prefixes to capture (empty: all)
 * @param excludedMessagePrefixes exact message prefixes to leave out
 */
public record PgoutputSettings(PostgresEndpoint endpoint, String slotName, String topicPrefix, String publicationName,
                               boolean publicationCreate, List<String> publishedTables, String snapshotMode,
                               String signalTable, List<String> includedMessagePrefixes,
                               List<String> excludedMessagePrefixes, int reconnectMaxAttempts,
                               long reconnectBackoffInitialMs, long reconnectBackoffMaxMs, long queueMaxBytes) {

    public PgoutputSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(slotName, "slotName");
        publishedTables = List.copyOf(publishedTables);
        includedMessagePrefixes = List.copyOf(includedMessagePrefixes);
        excludedMessagePrefixes = List.copyOf(excludedMessagePrefixes);
    }

    /** The settings of a parsed configuration: the decoder keys, the wal2json connector's keys, endpoint and slot. */
    public static PgoutputSettings of(DecoderSettings decoder, Wal2JsonSourceConfig source, PostgresEndpoint endpoint,
                                      String slotName) {
        return new PgoutputSettings(endpoint, slotName, source.topicPrefix(), decoder.publicationName(),
                decoder.publicationCreate(), decoder.publishedTables(), decoder.snapshotMode(), decoder.signalTable(),
                prefixes(source.wal2jsonOptions().get("add-msg-prefixes")),
                prefixes(source.wal2jsonOptions().get("filter-msg-prefixes")),
                source.getInt(Wal2JsonSourceConfig.RECONNECT_MAX_ATTEMPTS),
                source.getLong(Wal2JsonSourceConfig.RECONNECT_BACKOFF_INITIAL_MS),
                source.getLong(Wal2JsonSourceConfig.RECONNECT_BACKOFF_MAX_MS), source.queueMaxBytes());
    }

    /** wal2json's comma-separated prefix list (blank entries ignored). */
    private static List<String> prefixes(String commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
