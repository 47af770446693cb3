package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.runner.testing.RunnerProcess;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the Dockerfile is checked for what can be checked: the runtime stage's command
 * starts the JAR the build stage produces (run with --help, with the image's environment), the image's class data
 * sharing archive maps under its options, every file it copies reaches the build context, the build stage runs the
 * README's Maven command, and the image runs as uid 10001 exposing the health port.
 */
class DockerfileIT {
    private static final Path ROOT = Path.of("..");

    @Test
    void runtimeCommandStartsTheJarTheBuildStageProduces() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String copy = lines.stream().filter(l -> l.startsWith("COPY --from=build")).findFirst().orElseThrow();
        String[] parts = copy.split("\\s+");
        String builtInImage = parts[2];
        String pathInRuntime = parts[3];
        assertTrue(builtInImage.startsWith("/src/"), copy);
        Path builtHere = ROOT.resolve(builtInImage.substring("/src/".length()));
        assertEquals(RunnerProcess.JAR.toAbsolutePath().normalize(), builtHere.toAbsolutePath().normalize());

        String entrypoint = lines.stream().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        List<String> command = new ArrayList<>(List.of(new ObjectMapper().readValue(
                entrypoint.substring("ENTRYPOINT".length()).trim(), String[].class)));
        assertEquals("java", command.get(0), "exec form with java as PID 1");
        assertTrue(command.contains(pathInRuntime), "the entrypoint runs the copied JAR: " + command);
        command.set(0, imageJava(lines));
        command.set(command.indexOf(pathInRuntime), builtHere.toString());
        command.add("--help");

        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(imageEnvironment(lines));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("KINESIS_STREAM"), output);
    }

    @Test
    void imageDumpsAClassDataArchiveThatTheEntrypointMaps() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String dump = lines.stream().filter(l -> l.startsWith("RUN [\"java\"") && l.contains("\"-Xshare:dump\"")).findFirst()
                .orElseThrow(() -> new AssertionError("the runtime stage dumps a class data sharing archive"));
        String classListCopy = lines.stream().filter(l -> l.startsWith("COPY runner/src/main/cds/")).findFirst().orElseThrow();
        String classListInImage = classListCopy.split("\\s+")[2];
        Path archive = Files.createTempFile("cdc-runner", ".jsa");
        Files.delete(archive); // the JVM creates it; 48 MB, deleted below
        Map<String, String> imagePaths = Map.of(
                "/app/cdc-runner.jar", RunnerProcess.JAR.toAbsolutePath().normalize().toString(),
                classListInImage, ROOT.resolve(classListCopy.split("\\s+")[1]).toAbsolutePath().normalize().toString(),
                "/app/cdc-runner.jsa", archive.toString());

        List<String> dumpCommand = new ArrayList<>();
        for (String arg : new ObjectMapper().readValue(dump.substring("RUN".length()).trim(), String[].class)) {
            dumpCommand.add(local(arg, imagePaths));
        }
        dumpCommand.set(0, imageJava(lines));
        Process dumping = new ProcessBuilder(dumpCommand).redirectErrorStream(true).start();
        String dumpOutput = new String(dumping.getInputStream().readAllBytes());
        assertTrue(dumping.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, dumping.exitValue(), dumpOutput);

        // The image's JAVA_TOOL_OPTIONS name the archive; -Xshare:on makes an unusable archive an error, not a slow start.
        String toolOptions = local(imageEnvironment(lines).get("JAVA_TOOL_OPTIONS"), imagePaths);
        assertTrue(toolOptions.contains("-XX:SharedArchiveFile=" + archive), toolOptions);
        ProcessBuilder run = new ProcessBuilder(imageJava(lines),
                "-Xshare:on", "-Xlog:class+load=info", "-jar", RunnerProcess.JAR.toAbsolutePath().normalize().toString(), "help")
                .redirectErrorStream(true);
        run.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
        Process process = run.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        Files.deleteIfExists(archive);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("io.cdclr.runner.cli.Main source: shared objects file"),
                "the runner's own classes come from the archive (regenerate the list with scripts/cds-classlist.sh)");
    }

    /**
     * A java here of the runtime image's major version (FROM eclipse-temurin:N-jre): the image's JVM options and its
     * archive are for that release. The test's own JVM if it is one, else a JDK under /usr/lib/jvm.
     */
    private static String imageJava(List<String> lines) throws Exception {
        String from = lines.stream().filter(l -> l.startsWith("FROM ")).reduce((first, last) -> last).orElseThrow();
        Matcher version = Pattern.compile("eclipse-temurin:(\\d+)").matcher(from);
        assertTrue(version.find(), "the runtime stage is an eclipse-temurin image: " + from);
        int major = Integer.parseInt(version.group(1));
        if (Runtime.version().feature() == major) {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (var homes = Files.list(jvms)) {
                for (Path home : homes.sorted().toList()) {
                    Path release = home.resolve("release");
                    if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))
                            && Files.readString(release).contains("JAVA_VERSION=\"" + major + ".")) {
                        return home.resolve("bin/java").toString();
                    }
                }
            }
        }
        throw new AssertionError("the image runs Java " + major + " (" + from + "), and no Java " + major
                + " is installed here (looked at this JVM and /usr/lib/jvm/*/release)");
    }

    private static String local(String value, Map<String, String> imagePaths) {
        String result = value;
        for (Map.Entry<String, String> path : imagePaths.entrySet()) {
            result = result.replace(path.getKey(), path.getValue());
        }
        return result;
    }

    /** A COPY of a file that .dockerignore keeps out of the build context fails the image build. */
    @Test
    void everyFileTheBuildCopiesReachesTheBuildContext() throws Exception {
        List<String> rules = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        int checked = 0;
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            if (!line.startsWith("COPY ") || line.startsWith("COPY --from=")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            for (String source : List.of(parts).subList(1, parts.length - 1)) {
                assertTrue(Files.exists(ROOT.resolve(source)), "no such file in the repository: " + line);
                assertTrue(inBuildContext(source, rules), ".dockerignore keeps out what the Dockerfile copies: " + source);
                checked++;
            }
        }
        assertTrue(checked >= 7, "found the COPY lines: " + checked);
    }

    /** .dockerignore's rules in order, the last that matches the path or a directory above it deciding. */
    private static boolean inBuildContext(String source, List<String> rules) {
        boolean included = true;
        for (String rule : rules) {
            boolean exception = rule.startsWith("!");
            String glob = (exception ? rule.substring(1) : rule).replaceAll("/$", "");
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            for (Path p = Path.of(source.replaceAll("/$", "")); p != null; p = p.getParent()) {
                if (matcher.matches(p)) {
                    included = exception;
                    break;
                }
            }
        }
        return included;
    }

    @Test
    void buildStageRunsTheReadmeBuildCommand() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher build = Pattern.compile("(?m)^RUN (mvn -B package[^\\n]*)$").matcher(dockerfile);
        assertTrue(build.find(), "the build stage runs mvn -B package");
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains(build.group(1)), "README's build command should be: " + build.group(1));
    }

    @Test
    void runsAsUid10001AndExposesTheHealthPort() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        assertTrue(lines.contains("USER 10001:10001"), "non-root uid 10001");
        Map<String, String> env = imageEnvironment(lines);
        assertTrue(lines.contains("EXPOSE " + env.get("CDC_HTTP_PORT")), "exposes the health port");
        assertEquals("0.0.0.0", env.get("CDC_HTTP_BIND_ADDRESS"), "probes must reach the port from outside the pod");
    }

    /** The global ARG defaults (before the first FROM), as {@code ${NAME}} in ENV lines expands them. */
    private static Map<String, String> dockerArgs(List<String> lines) {
        Map<String, String> args = new HashMap<>();
        Pattern arg = Pattern.compile("^ARG ([A-Z_]+)=\"([^\"]*)\"$");
        for (String line : lines) {
            if (line.startsWith("FROM ")) {
                break;
            }
            Matcher m = arg.matcher(line);
            if (m.matches()) {
                args.put(m.group(1), m.group(2));
            }
        }
        return args;
    }

    /** The ENV lines of the runtime stage (after the last FROM), continuation lines joined, ARGs expanded. */
    private static Map<String, String> imageEnvironment(List<String> lines) {
        int lastFrom = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        StringBuilder joined = new StringBuilder();
        for (String line : lines.subList(lastFrom, lines.size())) {
            joined.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) + " " : line + "\n");
        }
        Map<String, String> args = dockerArgs(lines);
        Map<String, String> env = new HashMap<>();
        Matcher envLine = Pattern.compile("(?m)^ENV (.*)$").matcher(joined);
        Pattern pair = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)");
        while (envLine.find()) {
            Matcher m = pair.matcher(envLine.group(1));
            while (m.find()) {
                String value = m.group(2).replace("\"", "");
                for (Map.Entry<String, String> arg : args.entrySet()) {
                    value = value.replace("${" + arg.getKey() + "}", arg.getValue());
                }
                env.put(m.group(1), value);
            }
        }
        return env;
    }
}
