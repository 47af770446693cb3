package io.cdclr.runner.cli;

import io.cdclr.runner.config.ConfigError;
import java.nio.file.Path;
import java.util.Optional;

/** {@code [run|preflight|tail|reset|help|version] [--config FILE] [command options]}, parsed. */
record CommandLine(Command command, Optional<Path> configFile, int peek, boolean fromStart, long limit, boolean force) {

    enum Command { RUN, PREFLIGHT, TAIL, RESET, HELP, VERSION }

    static CommandLine parse(String... args) {
        Command command = Command.RUN;
        Optional<Path> config = Optional.empty();
        int peek = 0;
        boolean fromStart = false;
        long limit = Long.MAX_VALUE;
        boolean force = false;
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("-")) {
            command = switch (args[0]) {
                case "run" -> Command.RUN;
                case "preflight" -> Command.PREFLIGHT;
                case "tail" -> Command.TAIL;
                case "reset" -> Command.RESET;
                case "help" -> Command.HELP;
                case "version" -> Command.VERSION;
                default -> throw new ConfigError("unknown command '" + args[0]
                        + "'; expected run, preflight, tail, reset, help or version");
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
        return new CommandLine(command, config, peek, fromStart, limit, force);
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
