package io.cdclr.runner.config;

/**
 * The runner's version, from {@code Implementation-Version} in the JAR's manifest (the shade plugin writes the Maven
 * project version there). Classes run from a directory (IDE, unit tests) have no manifest: {@value #UNKNOWN}.
 */
public final class RunnerVersion {
    public static final String UNKNOWN = "unknown";

    private RunnerVersion() {
    }

    public static String get() {
        String version = RunnerVersion.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? UNKNOWN : version;
    }
}
