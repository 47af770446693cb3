package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommitTimestampsTest {
    private final CommitTimestamps timestamps = new CommitTimestamps();

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    private long of(String envelope) {
        return timestamps.micros(envelope.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsWal2jsonsCommitTimestampWithMicroseconds() {
        // As in connector/src/test/resources/wal2json-v2/default-options.jsonl.
        assertEquals(micros("2026-11-25T16:15:52.142219Z"), of("{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\","
                + "\"lsn\":\"0/61D1150\",\"schema\":\"public\",\"table\":\"customers\",\"columns\":[]}"));
        assertEquals(micros("2026-11-25T16:15:52.100Z"), of("{\"action\":\"B\",\"xid\":12345,\"timestamp\":\"2026-11-25 16:15:52.1+00\"}"));
        assertEquals(micros("2026-11-25T16:15:52Z"), of("{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:52+00\"}"));
    }

    @Test
    void appliesTheUtcOffset() {
        // pgoutput's mapping writes the session time zone's offset, with minutes when it has them.
        assertEquals(micros("2026-11-25T14:15:52.500Z"), of("{\"action\":\"U\",\"timestamp\":\"2026-11-25 16:15:52.5+02\"}"));
        assertEquals(micros("2026-11-25T21:45:52Z"), of("{\"action\":\"U\",\"timestamp\":\"2026-11-25 16:15:52-05:30\"}"));
    }

    @Test
    void theSameTextTwiceGivesTheSameTimeAndAnotherTextItsOwn() {
        String a = "{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/1\"}";
        String b = "{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:53.000001+00\",\"lsn\":\"0/2\"}";
        assertEquals(of(a), of(a));
        assertEquals(micros("2026-11-25T16:15:53.000001Z"), of(b));
        assertEquals(micros("2026-11-25T16:15:52.142219Z"), of(a));
    }

    @Test
    void noTimestampOrAnUnreadableOneIsUnknown() {
        assertEquals(CommitTimestamps.UNKNOWN, of("{\"action\":\"I\",\"lsn\":\"0/1\",\"columns\":[{\"name\":\"timestamp\","
                + "\"type\":\"text\",\"value\":\"x\\\"timestamp\\\":\\\"2026-11-25 16:15:52+00\"}]}"));
        assertEquals(CommitTimestamps.UNKNOWN, of("{\"action\":\"I\",\"timestamp\":\"0044-03-15 12:00:00+00 BC\"}"));
        assertEquals(CommitTimestamps.UNKNOWN, of("{\"action\":\"I\",\"timestamp\":null}"));
        assertEquals(CommitTimestamps.UNKNOWN, of("{\"action\":\"I\",\"timestamp\":\"2026-13-25 16:15:52+00\"}"));
        assertEquals(CommitTimestamps.UNKNOWN, timestamps.micros((Object) null));
    }

    @Test
    void textValuesAreReadToo() {
        assertEquals(micros("2026-11-25T16:15:52Z"), timestamps.micros((Object) "{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:52+00\"}"));
    }
}
