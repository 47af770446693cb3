package io.cdclr.runner.cli;

import io.cdclr.runner.config.RunnerConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/** {@code tail}: prints records as they arrive on the stream, one line each: partition key, tab, envelope. */
final class TailCommand {
    private TailCommand() {
    }

    static int run(RunnerConfig config, boolean fromStart, long limit, PrintStream out) throws InterruptedException {
        String stream = config.writer().stream();
        try (KinesisClient client = KinesisClients.sync(config.writer())) {
            KinesisStreamReader reader = fromStart ? KinesisStreamReader.fromStart(client, stream)
                    : KinesisStreamReader.fromLatest(client, stream);
            long printed = 0;
            while (printed < limit) {
                var records = reader.poll();
                for (Record record : records) {
                    out.println(record.partitionKey() + "\t" + record.data().asString(StandardCharsets.UTF_8));
                    if (++printed >= limit) {
                        break;
                    }
                }
                out.flush();
                if (records.isEmpty()) {
                    Thread.sleep(500);
                }
            }
        }
        return 0;
    }
}
