package io.cdclr.connector.connect;

import java.util.Properties;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

/**
 * One KRaft broker for every Kafka Connect IT of a failsafe JVM: starting one costs seconds of the default suite's
 * budget, and the tests keep apart by unique topic, group and connector names. Stopped when the JVM exits.
 */
final class SharedKafka {
    private static EmbeddedKafkaCluster kafka;

    private SharedKafka() {
    }

    static synchronized EmbeddedKafkaCluster get() {
        if (kafka == null) {
            // A broker that hits a fatal error while the JVM goes down calls Exit.halt(1): the fork would then end with
            // a non-zero code after every test passed, and failsafe fails the build ("Error occurred in starting fork",
            // seen once in the default suite). In this test JVM such a call is reported, not obeyed.
            Exit.setHaltProcedure((code, message) -> System.err.println("shared Kafka asked to halt(" + code + "): " + message));
            Exit.setExitProcedure((code, message) -> System.err.println("shared Kafka asked to exit(" + code + "): " + message));
            EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(1, new Properties());
            cluster.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopWithin(cluster, 10_000), "stop-shared-kafka"));
            kafka = cluster;
        }
        return kafka;
    }

    /**
     * Stops the broker, but gives up after a while: at JVM exit a broker's shutdown can wait on threads that are going
     * away, and a fork that does not exit in time fails the build after its tests passed.
     */
    private static void stopWithin(EmbeddedKafkaCluster cluster, long millis) {
        Thread stopper = new Thread(cluster::stop, "stop-shared-kafka-broker");
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
