package io.cdclr.connector.connect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Record;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two-worker test's oracle can fail: what it counts as order violations, stale duplicates and allowed replays. */
class ConnectScaleOutCheckTest {
    /** Changes 0..5: k1 gets 0, 2, 4; k2 gets 1, 3, 5. */
    private static final List<String> COMMITTED = List.of(0, 1, 2, 3, 4, 5).stream()
            .map(i -> "{\"action\":\"U\",\"lsn\":\"0/" + i + "\"}").toList();

    private static ConnectScaleOutIT.Report check(int... delivered) {
        Map<JsonNode, Integer> index = new HashMap<>();
        for (int i = 0; i < COMMITTED.size(); i++) {
            index.put(ConnectItSupport.tree(COMMITTED.get(i)), i);
        }
        List<Record> records = new ArrayList<>();
        for (int i : delivered) {
            records.add(Record.builder().partitionKey(i % 2 == 0 ? "k1" : "k2").data(SdkBytes.fromUtf8String(COMMITTED.get(i)))
                    .sequenceNumber(Integer.toString(records.size())).approximateArrivalTimestamp(Instant.EPOCH).build());
        }
        return ConnectScaleOutIT.check(COMMITTED, index, records);
    }

    @Test
    void inOrderAndReplaysThatRunOnAreFine() {
        ConnectScaleOutIT.Report r = check(0, 1, 2, 3, 4, 5);
        assertEquals(List.of(0, 0, 0, 0), List.of(r.missing(), r.duplicated(), r.orderViolations(), r.stale()), r.toString());
        // k1: 0 2 (0 2 again) 4: a replay from the committed offset, running on to the newest.
        r = check(0, 1, 2, 0, 2, 3, 4, 5);
        assertEquals(List.of(0, 2, 0, 0), List.of(r.missing(), r.duplicated(), r.orderViolations(), r.stale()), r.toString());
    }

    @Test
    void staleDuplicatesAfterANewerChangeCount() {
        // k1's stream ends on 2, after 4 was delivered: the stale record the sink's close() must prevent.
        assertEquals(1, check(0, 1, 2, 3, 4, 5, 2).stale());
        // A replay cut short: k1 0 2 4 0 4 (2 skipped in the replay).
        assertEquals(1, check(0, 1, 2, 3, 4, 5, 0, 4).stale());
    }

    @Test
    void orderViolationsAndMissingCount() {
        ConnectScaleOutIT.Report r = check(0, 1, 4, 3, 2, 5);
        assertEquals(1, r.orderViolations(), r.toString());
        assertEquals(1, check(0, 1, 2, 3, 5).missing());
    }
}
