package io.cdclr.connector.kinesis;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/** Reads records back the way a KCL consumer does: the Kinesis Client Library's own deaggregation. */
final class KclDeaggregation {
    static final BigInteger MAX_HASH_KEY = BigInteger.TWO.pow(128).subtract(BigInteger.ONE);

    /** A user record as the KCL hands it to a record processor. */
    record UserRecord(String partitionKey, byte[] data, boolean aggregated) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private KclDeaggregation() {
    }

    /** The user records of Kinesis records (partition key, data) read from a shard covering every hash key. */
    static List<UserRecord> deaggregate(String partitionKey, byte[] data) {
        return deaggregate(List.of(kinesisRecord(partitionKey, data, "1")), BigInteger.ZERO, MAX_HASH_KEY);
    }

    /** The KCL's AggregatorUtil on records of a shard with this hash-key range (it drops user records outside it). */
    static List<UserRecord> deaggregate(List<KinesisClientRecord> records, BigInteger startingHashKey, BigInteger endingHashKey) {
        List<UserRecord> out = new ArrayList<>();
        for (KinesisClientRecord r : new AggregatorUtil().deaggregate(records, startingHashKey, endingHashKey)) {
            ByteBuffer buffer = r.data().duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            out.add(new UserRecord(r.partitionKey(), bytes, r.aggregated()));
        }
        return out;
    }

    static KinesisClientRecord kinesisRecord(String partitionKey, byte[] data, String sequenceNumber) {
        return KinesisClientRecord.builder().partitionKey(partitionKey).data(ByteBuffer.wrap(data))
                .sequenceNumber(sequenceNumber).build();
    }
}
