package io.cdclr.runner.cli;

import io.cdclr.runner.config.ConfigError;
import io.cdclr.runner.config.ConfigReference;
import io.cdclr.runner.config.ConnectFailure;
import io.cdclr.runner.config.DatabaseUnreachableException;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerVersion;
import io.cdclr.runner.engine.ErrorMessages;
import io.cdclr.runner.engine.OffsetStoreCheck;
import io.cdclr.runner.engine.Pipeline;
import io.cdclr.runner.http.HealthServer;
import io.cdclr.runner.http.RunnerMetrics;
import io.cdclr.runner.http.SlotLagProbe;
import io.cdclr.runner.logging.JsonLineEncoder;
import io.cdclr.runner.logging.LogFormat;
import io.cdclr.runner.preflight.Preflight;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Entry point of {@code cdc-runner.jar}: {@code [run|preflight|tail|reset|snapshot|help|version] [--config FILE]}.
 *
 * <p>Exit codes: 0 done (or GO), 1 pipeline failure (or NO-GO), 2 configuration or usage error, 3 stopped by
 * SIGTERM before in-flight changes were acknowledged (they are not confirmed and will be replayed), 4 the replication
 * slot was dropped or invalidated (changes after the last confirmed LSN may be lost; {@code reset} starts over),
 * 5 the database could not be reached within {@code database.connect.wait.ms} (transient: a restart may succeed).
 */
public final class Main {
    static final int EXIT_USAGE = 2;
    /** The database could not be reached within database.connect.wait.ms (transient, unlike a configuration error). */
    static final int EXIT_UNREACHABLE = 5;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            CommandLine cmd = CommandLine.parse(args);
            if (cmd.command() == CommandLine.Command.HELP) {
                out.print(usage());
                return 0;
            }
            if (cmd.command() == CommandLine.Command.VERSION) {
                out.println("cdc-runner " + RunnerVersion.get());
                return 0;
            }
            String logFormatProblem = LogFormat.problem(env.get(LogFormat.VARIABLE));
            RunnerConfig config;
            try {
                // tail reads the stream only: it needs the Kinesis settings, not the database's.
                config = cmd.command() == CommandLine.Command.TAIL ? RunnerConfig.loadKinesisOnly(cmd.configFile(), env)
                        : RunnerConfig.load(cmd.configFile(), env);
            } catch (ConfigError e) {
                throw logFormatProblem == null ? e : new ConfigError(prepend(logFormatProblem, e.problems()));
            }
            if (logFormatProblem != null) {
                throw new ConfigError(logFormatProblem);
            }
            return switch (cmd.command()) {
                case PREFLIGHT -> new Preflight(config, c -> KinesisClients.sync(c.writer()), out).run(cmd.peek());
                case TAIL -> TailCommand.run(config, cmd.fromStart(), cmd.limit(), out);
                case RESET -> new ResetCommand(config, out, err).run(cmd.force());
                case SNAPSHOT -> new SnapshotCommand(config, out, err).run(cmd.snapshot());
                default -> runPipeline(config);
            };
        } catch (DatabaseUnreachableException e) {
            errorLine(err, env, "error: database unreachable: " + e.getMessage());
            return EXIT_UNREACHABLE;
        } catch (ConfigError e) {
            for (String problem : e.problems()) {
                errorLine(err, env, "config error: " + problem);
            }
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Pipeline.EXIT_FAILED;
        } catch (Exception e) {
            errorLine(err, env, "error: " + ErrorMessages.oneLine(e));
            return Pipeline.EXIT_FAILED;
        }
    }

    private static int runPipeline(RunnerConfig config) throws Exception {
        Logger log = LoggerFactory.getLogger(Main.class);
        PostgresConnections postgres = new PostgresConnections(config);
        // Wrong credentials, database or TLS: exit 2 here, before anything starts. Unreachable: waited for below.
        ConnectFailure unreachable = postgres.tryConnect();

        RunnerMetrics metrics = new RunnerMetrics();
        Pipeline pipeline = new Pipeline(config, metrics);
        var settings = config.settings();
        // SIGTERM (Kubernetes) and SIGINT (Ctrl-C) start a graceful stop instead of killing the JVM, so the exit code
        // says whether everything in flight reached Kinesis.
        AtomicBoolean stopRequested = new AtomicBoolean();
        Signal.handle(new Signal("TERM"), s -> {
            stopRequested.set(true);
            pipeline.requestStop();
        });
        Signal.handle(new Signal("INT"), s -> {
            stopRequested.set(true);
            pipeline.requestStop();
        });
        // The HTTP server runs while the database is waited for: live, not ready.
        try (HealthServer http = new HealthServer(settings.httpBindAddress(), settings.httpPort(), pipeline::live,
                pipeline::ready, metrics)) {
            if (unreachable != null
                    && !postgres.awaitReachable(unreachable, settings.databaseConnectWait(), stopRequested::get)) {
                log.info("event=stopped_before_start reason=\"stop requested while waiting for the database\"");
                return Pipeline.EXIT_OK;
            }
            // A store the runner cannot read or write: one line naming the missing grant, before the engine starts.
            new OffsetStoreCheck(config).checkBeforeRun();
            log.info("event=starting slot={} stream={} database={} tls=\"{}\" http=http://{}:{}/",
                    config.slotName(), config.writer().stream(),
                    postgres.target(), postgres.endpoint().describeTls(), settings.httpBindAddress(), http.port());
            try (SlotLagProbe ignored = new SlotLagProbe(postgres, config.slotName(),
                    metrics, settings.slotLagInterval(), settings.slotSafeWalSizeWarnBytes(), pipeline::slotLost,
                    pipeline::slotMissing)) {
                int code = pipeline.run();
                if (pipeline.failure() != null) {
                    errorLine(System.err, System.getenv(), "error: " + Pipeline.failureLine(pipeline.failure()));
                }
                return code;
            }
        }
    }

    /** The CLI's own error line: as is, or with CDC_LOG_FORMAT=json one JSON object like every log line. */
    private static void errorLine(PrintStream err, Map<String, String> env, String line) {
        boolean json = LogFormat.problem(env.get(LogFormat.VARIABLE)) == null
                && LogFormat.parse(env.get(LogFormat.VARIABLE)) == LogFormat.JSON;
        err.println(json ? JsonLineEncoder.line("ERROR", Main.class.getName(), line) : line);
    }

    private static java.util.List<String> prepend(String first, java.util.List<String> rest) {
        java.util.List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    static String usage() {
        return """
                usage: java -jar cdc-runner.jar [COMMAND] [--config FILE] [OPTIONS]

                Streams PostgreSQL changes to Amazon Kinesis Data Streams, one wal2json format-version 2 envelope
                per record, decoded by wal2json (decoder=wal2json, the default) or by pgoutput through Debezium's
                PostgresConnector (decoder=pgoutput, CDC_DECODER=pgoutput; needs tables, see docs/pgoutput.md).

                commands:
                  run                 (default) stream changes until SIGTERM/SIGINT
                  preflight           check database, slot, publication (pgoutput) and stream before starting; exit 0 = go, 1 = no-go
                      --peek N        also show the next N pending changes without consuming them
                  tail                print records arriving on the stream: partition key, tab, envelope (needs
                                      only the Kinesis settings: stream, region, endpoint; AWS credentials)
                      --from-start    from the oldest record in the stream instead of new ones
                      --limit N       stop after N records
                  reset               start over after the slot was lost (exit code 4): clear the stored offset, drop
                                      the lost slot, create a new one; changes in between are not captured. Refuses an
                                      active slot, and a healthy one unless --force
                      --force         drop the slot even if it is healthy (its pending changes are skipped)
                  snapshot            ask the running runner (same configuration) for an incremental snapshot: writes
                                      a request into the WAL (pg_logical_emit_message) that the runner reads from its
                                      stream, prints it and the SQL equivalent (docs/snapshots.md); refuses (exit 2) a
                                      table that does not exist, has no primary key or is outside the table filter
                      --tables LIST   schema.table[,schema.table...] to snapshot, in this order
                      --chunk-size N  rows per chunk for this request (default: snapshot.chunk.size)
                      --cancel        cancel the running snapshot instead
                      --status        print the snapshot progress in the stored offset, and the runner's live
                                      figures when its HTTP port answers
                  help, --help        this text
                  version, --version  print the runner's version and exit

                options:
                  --config FILE       properties file; environment variables override it

                logging (environment only):
                  CDC_LOG_LEVEL       level of the runner's own loggers (default INFO)
                  CDC_LOG_FORMAT      text (default) or json: one JSON object per line on stderr

                exit codes: 0 ok, 1 failure or no-go, 2 configuration error, 3 stopped before in-flight changes
                were acknowledged (not confirmed; replayed on restart), 4 replication slot dropped or invalidated
                (changes after the last confirmed LSN may be lost; never re-created by itself: see reset),
                5 database unreachable: not reached within database.connect.wait.ms (refused, timeout, unknown
                host, starting up, too many connections; a restart may succeed)

                """ + ConfigReference.text();
    }
}
