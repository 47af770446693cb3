package io.cdclr.runner.cli;

/** Entry point of {@code cdc-runner.jar}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("usage: java -jar cdc-runner.jar [--config FILE]");
    }
}
