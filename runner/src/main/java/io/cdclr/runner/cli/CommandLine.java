package io.cdclr.runner.cli;

import io.cdclr.runner.config.ConfigError;
import java.nio.file.Path;
import java.util.Optional;

/** {@code [run|preflight|tail|reset|snapshot|help|version] [--config FILE] [command options]}, parsed. */
record CommandLine(Command command, Optional<Path> configFile, int peek, boolean fromStart, long limit, boolean force,
                   SnapshotOptions snapshot) {

    enum Command { RUN, PREFLIGHT, TAIL, RESET, SNAPSHOT, HELP, VERSION }

    /** {@code snapshot}: exactly one of --tables (with an optional --chunk-size), --cancel, --status. */
    record SnapshotOptions(java.util.List<String> tables, Long chunkSize, boolean cancel, boolean status) {
        static final SnapshotOptions NONE = new SnapshotOptions(java.util.List.of(), null, false, false);
    }

    CommandLine(Command command, Optional<Path> configFile, int peek, boolean fromStart, long limit, boolean force) {
        this(command, configFile, peek, fromStart, limit, force, SnapshotOptions.NONE);
    }

    static CommandLine parse(String... args) {
        Command command = Command.RUN;
        Optional<Path> config = Optional.empty();
        int peek = 0;
        boolean fromStart = false;
        long limit = Long.MAX_VALUE;
        boolean force = false;
        java.util.List<String> tables = null;
        Long chunkSize = null;
        boolean cancel = false;
        boolean status = false;
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("-")) {
            command = switch (args[0]) {
                case "run" -> Command.RUN;
                case "preflight" -> Command.PREFLIGHT;
                case "tail" -> Command.TAIL;
                case "reset" -> Command.RESET;
                case "snapshot" -> Command.SNAPSHOT;
                case "help" -> Command.HELP;
                case "version" -> Command.VERSION;
                default -> throw new ConfigError("unknown command '" + args[0]
                        + "'; expected run, preflight, tail, reset, snapshot, help or version");
            };
            i = 1;
        }
        for (; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> command = Command.HELP;
                case "--version" -> command = Command.VERSION;
                case "--config" -> config = Optional.of(Path.of(value(args, ++i, arg)));
                case "--peek" -> peek = (int) number(value(args, ++i, arg), arg);
                case "--from-start" -> fromStart = true;
                case "--limit" -> limit = number(value(args, ++i, arg), arg);
                case "--force" -> force = true;
                case "--tables" -> tables = tableList(value(args, ++i, arg));
                case "--chunk-size" -> chunkSize = number(value(args, ++i, arg), arg);
                case "--cancel" -> cancel = true;
                case "--status" -> status = true;
                default -> {
                    if (arg.startsWith("--config=")) {
                        config = Optional.of(Path.of(arg.substring("--config=".length())));
                    } else {
                        throw new ConfigError("unknown option '" + arg + "'; see --help");
                    }
                }
            }
        }
        if (force && command != Command.RESET) {
            throw new ConfigError("--force applies to reset only; see --help");
        }
        boolean snapshotOption = tables != null || chunkSize != null || cancel || status;
        if (snapshotOption && command != Command.SNAPSHOT && command != Command.HELP) {
            throw new ConfigError("--tables, --chunk-size, --cancel and --status apply to snapshot only; see --help");
        }
        SnapshotOptions snapshot = SnapshotOptions.NONE;
        if (command == Command.SNAPSHOT) {
            int modes = (tables != null ? 1 : 0) + (cancel ? 1 : 0) + (status ? 1 : 0);
            if (modes != 1) {
                throw new ConfigError("snapshot needs exactly one of --tables SCHEMA.TABLE[,...], --cancel, --status;"
                        + " see --help");
            }
            if (chunkSize != null && (tables == null || chunkSize < 1 || chunkSize > Integer.MAX_VALUE)) {
                throw new ConfigError(tables == null ? "--chunk-size applies to snapshot --tables only"
                        : "--chunk-size: must be between 1 and " + Integer.MAX_VALUE);
            }
            snapshot = new SnapshotOptions(tables == null ? java.util.List.of() : tables, chunkSize, cancel, status);
        }
        return new CommandLine(command, config, peek, fromStart, limit, force, snapshot);
    }

    /** {@code public.orders,public.lines}: trimmed, no empty entries, no repeats (kept in the order given). */
    private static java.util.List<String> tableList(String value) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String part : value.split(",")) {
            String table = part.trim();
            if (!table.isEmpty()) {
                out.add(table);
            }
        }
        if (out.isEmpty()) {
            throw new ConfigError("--tables needs at least one SCHEMA.TABLE");
        }
        return java.util.List.copyOf(out);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new ConfigError(option + " needs a value");
        }
        return args[index];
    }

    private static long number(String value, String option) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigError(option + ": '" + value + "' is not a non-negative whole number");
        }
    }
}
