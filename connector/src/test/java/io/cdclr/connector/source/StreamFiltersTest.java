package io.cdclr.connector.source;

import io.cdclr.connector.replication.Lsn;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamFiltersTest {
    private static Map<String, String> options(String... keyValues) {
        Map<String, String> o = new LinkedHashMap<>(Wal2JsonSourceConfig.DEFAULT_WAL2JSON_OPTIONS);
        o.put("include-transaction", "1");
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return o;
    }

    private static SourceOffset inside(String filters) {
        return new SourceOffset(Lsn.parse("0/150"), Lsn.parse("0/200"), 7, Lsn.parse("0/200"), filters);
    }

    @Test
    void fingerprintCoversTheOptionsTheIndexDependsOnAndNothingElse() {
        assertEquals("", StreamFilters.fingerprint(options()));
        String f = StreamFilters.fingerprint(options("add-tables", "public.a", "filter-tables", "public.offsets",
                "actions", "insert,update", "add-msg-prefixes", "app", "filter-msg-prefixes", "x"));
        assertTrue(f.matches("add-tables=[0-9a-f]{8};filter-tables=[0-9a-f]{8};actions=[0-9a-f]{8};"
                + "add-msg-prefixes=[0-9a-f]{8};filter-msg-prefixes=[0-9a-f]{8}"), f);
        // options that do not change which messages are sent do not count
        assertEquals(StreamFilters.fingerprint(options("add-tables", "public.a")),
                StreamFilters.fingerprint(options("add-tables", "public.a", "include-xids", "1", "include-types", "0")));
    }

    @Test
    void namesExactlyTheChangedOptions() {
        String before = StreamFilters.fingerprint(options("add-tables", "public.a", "actions", "insert"));
        String after = StreamFilters.fingerprint(options("add-tables", "public.a,public.b", "actions", "insert",
                "filter-msg-prefixes", "hb"));
        assertEquals(List.of("add-tables", "filter-msg-prefixes"), StreamFilters.changed(before, after));
        assertEquals(List.of(), StreamFilters.changed(before, before));
        assertEquals(StreamFilters.OPTIONS, StreamFilters.changed(null, after), "unknown: any of them");
    }

    @Test
    void insideATransactionUnderChangedOptionsResumesFromTheTransactionsStartWithOneWarning() {
        String before = StreamFilters.fingerprint(options("add-tables", "public.a"));
        String after = StreamFilters.fingerprint(options("add-tables", "public.a,public.b"));
        List<String> warnings = new ArrayList<>();
        SourceOffset resume = StreamFilters.resumeFrom(inside(before), after, warnings::add);
        assertEquals(Lsn.parse("0/200"), resume.commitLsn());
        assertEquals(0, resume.index(), "skips B only: every change is sent again");
        assertEquals(Lsn.parse("0/200"), resume.confirmLsn());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("add-tables") && warnings.get(0).contains("0/200"), warnings.get(0));

        // the same options: the stored index is exact
        warnings.clear();
        assertEquals(inside(after), StreamFilters.resumeFrom(inside(after), after, warnings::add));
        assertEquals(List.of(), warnings);

        // an offset stored before fingerprints existed: unknown, so from the transaction's start (duplicates, no loss)
        assertEquals(0, StreamFilters.resumeFrom(inside(null), after, warnings::add).index());
        assertEquals(1, warnings.size());
    }

    @Test
    void betweenTransactionsAChangedOptionNeedsNothing() {
        String after = StreamFilters.fingerprint(options("add-tables", "public.b"));
        List<String> warnings = new ArrayList<>();
        SourceOffset commit = new SourceOffset(Lsn.parse("0/230"), Lsn.parse("0/200"), 8, Lsn.parse("0/230"), "x=1");
        SourceOffset begin = new SourceOffset(Lsn.parse("0/100"), Lsn.parse("0/200"), 0, Lsn.parse("0/200"), "x=1");
        SourceOffset message = new SourceOffset(Lsn.parse("0/300"), Lsn.parse("0/300"), -1, Lsn.parse("0/300"), null);
        assertEquals(commit, StreamFilters.resumeFrom(commit, after, warnings::add));
        assertEquals(begin, StreamFilters.resumeFrom(begin, after, warnings::add));
        assertEquals(message, StreamFilters.resumeFrom(message, after, warnings::add));
        assertEquals(null, StreamFilters.resumeFrom(null, after, warnings::add));
        assertEquals(List.of(), warnings);
    }
}
