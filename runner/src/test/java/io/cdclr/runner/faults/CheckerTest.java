package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Record;

/** The checker counts order per new key and per old key (a key change belongs to both). */
class CheckerTest {
    private static final String INSERT_1 = row("I", 1, null, "a");
    private static final String MOVE_1_TO_1001 = row("U", 1001, 1L, "b");
    private static final String INSERT_1_AGAIN = row("I", 1, null, "c");
    private static final String UPDATE_1001 = row("U", 1001, 1001L, "d");
    private static final List<String> ORACLE = List.of(INSERT_1, MOVE_1_TO_1001, INSERT_1_AGAIN, UPDATE_1001);

    private static String row(String action, long id, Long oldId, String lsn) {
        return "{\"action\":\"" + action + "\",\"lsn\":\"0/" + lsn + "\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":" + id + "}]"
                + (oldId == null ? "" : ",\"identity\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":" + oldId + "}]")
                + ",\"pk\":[{\"name\":\"id\",\"type\":\"bigint\"}]}";
    }

    private static Record record(String json, long arrivalMillis) {
        String key = json.contains("\"value\":1001") ? "s.t|1001" : "s.t|1";
        return Record.builder().partitionKey(key).data(SdkBytes.fromUtf8String(json))
                .approximateArrivalTimestamp(Instant.ofEpochMilli(arrivalMillis)).sequenceNumber("1").build();
    }

    @Test
    void inOrderAcrossShardsIsClean() {
        Checker.Result r = Checker.check(ORACLE, List.of(record(INSERT_1, 1), record(INSERT_1_AGAIN, 3),
                record(MOVE_1_TO_1001, 2), record(UPDATE_1001, 4)));
        assertEquals(0, r.orderViolations(), r.toString());
        assertEquals(1, r.keyChanges());
    }

    @Test
    void aLaterChangeOfTheOldKeyArrivingBeforeTheKeyChangeIsAnOldKeyViolation() {
        // different shards: arrival time decides
        Checker.Result r = Checker.check(ORACLE, List.of(record(INSERT_1, 1), record(INSERT_1_AGAIN, 2),
                record(MOVE_1_TO_1001, 3), record(UPDATE_1001, 4)));
        assertEquals(0, r.newKeyViolations(), r.toString());
        assertEquals(1, r.oldKeyViolations(), r.toString());
        assertEquals(1, r.orderViolations());
        // one shard: its order decides, whatever the timestamps
        Checker.Result oneShard = Checker.check(ORACLE, List.of(record(INSERT_1, 1), record(INSERT_1_AGAIN, 5),
                record(MOVE_1_TO_1001, 5), record(UPDATE_1001, 6)), key -> "shard-0");
        assertEquals(1, oneShard.oldKeyViolations(), oneShard.toString());
        // the key change before an earlier change of its old key: also a violation of the old key's order
        Checker.Result early = Checker.check(ORACLE, List.of(record(MOVE_1_TO_1001, 1), record(INSERT_1, 2),
                record(INSERT_1_AGAIN, 3), record(UPDATE_1001, 4)));
        assertEquals(1, early.oldKeyViolations(), early.toString());
    }
}
