package io.cdclr.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.imageio.ImageIO;

/** The results table (with ratios), written to the console, a Markdown file and a PNG chart. */
final class Report {
    private final List<Row> rows;
    private final Machine machine;
    private final String loadAtEnd;
    private final Duration took;
    private final String when = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));

    Report(List<Row> rows, Machine machine, String loadAtEnd, Duration took) {
        this.rows = rows;
        this.machine = machine;
        this.loadAtEnd = loadAtEnd;
        this.took = took;
    }

    void print(PrintStream out) {
        out.println();
        out.println(markdown());
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Run ").append(when).append(", ").append(machine.describe()).append(", load average ").append(loadAtEnd)
                .append(" at the end; took ").append(took.toMinutes()).append(" min ").append(took.toSecondsPart()).append(" s.\n\n");
        md.append("| workload | contender | changes | changes/s | start → first record (s) | CPU s | CPU s / 100k changes | peak RSS (MiB) | latency p50 / p95 / p99 / max (ms) | note |\n");
        md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,.0f | %s | %s | %s | %s | %s | %s |%n", r.workload(),
                    r.contender().label, r.changes(), r.changesPerSecond(), num(r.startToFirstSeconds(), "%.2f"),
                    num(r.cpuSeconds(), "%.1f"), num(r.cpuPer100k(), "%.2f"), num(r.peakRssMiB(), "%.0f"),
                    r.latency() == null ? "" : r.latency().p50() + " / " + r.latency().p95() + " / " + r.latency().p99() + " / " + r.latency().max(),
                    r.note()));
        }
        md.append("\n| workload | ratio | value | target |\n| --- | --- | ---: | --- |\n");
        for (String workload : workloads()) {
            Optional<Row> ours = find(workload, Contender.OURS);
            if (ours.isEmpty()) {
                continue;
            }
            Row o = ours.get();
            find(workload, Contender.SINK).ifPresent(s -> ratio(md, workload, "ours / sink ceiling, changes/s",
                    o.changesPerSecond() / s.changesPerSecond(), "≥ 0.90"));
            find(workload, Contender.DECODE).ifPresent(d -> ratio(md, workload, "ours / decode ceiling, changes/s",
                    o.changesPerSecond() / d.changesPerSecond(), ""));
            find(workload, Contender.NULL_SINK).ifPresent(n -> find(workload, Contender.DECODE).ifPresent(d -> ratio(md, workload,
                    "ours → null sink / decode ceiling, changes/s (the pipeline's own ceiling)",
                    n.changesPerSecond() / d.changesPerSecond(), "≥ 0.50")));
            find(workload, Contender.PEER).ifPresent(p -> {
                if (!steady(workload)) {
                    ratio(md, workload, "ours / peer, changes/s", o.changesPerSecond() / p.changesPerSecond(), "≈ 2 (follows from ≥ 0.90 of the sink ceiling)");
                    ratio(md, workload, "ours / peer, CPU s per 100k changes", o.cpuPer100k() / p.cpuPer100k(), "≤ 0.33");
                    ratio(md, workload, "ours / peer, start → first record", o.startToFirstSeconds() / p.startToFirstSeconds(), "");
                    ratio(md, workload, "ours / peer, peak RSS", o.peakRssMiB() / p.peakRssMiB(), "");
                } else {
                    ratio(md, workload, "ours / peer, CPU s per 100k changes in the window", o.cpuPer100k() / p.cpuPer100k(),
                            workload.equals(Steady.workload(2_000)) ? "≤ 0.33" : "");
                    ratio(md, workload, "ours / peer, peak RSS in the window", o.peakRssMiB() / p.peakRssMiB(),
                            workload.equals(Steady.workload(2_000)) ? "≤ 0.50" : "");
                    if (o.latency() != null && p.latency() != null) {
                        ratio(md, workload, "ours / peer, latency p99", (double) o.latency().p99() / Math.max(1, p.latency().p99()), "");
                    }
                }
            });
            if (steady(workload) && o.latency() != null) {
                md.append(String.format(Locale.ROOT, "| %s | ours, latency p99 | %d ms | %s |%n", workload, o.latency().p99(),
                        workload.equals(Steady.workload(2_000)) ? "≤ 250 ms" : ""));
            }
            Optional<Row> plain = find(workload, Contender.OURS_PLAIN);
            Optional<Row> peerRow = find(workload, Contender.PEER);
            if (plain.isPresent() && peerRow.isPresent()) {
                Row p = plain.get();
                ratio(md, workload, "ours with JVM defaults / peer, changes/s", p.changesPerSecond() / peerRow.get().changesPerSecond(), "");
                ratio(md, workload, "ours with JVM defaults / peer, CPU s per 100k changes", p.cpuPer100k() / peerRow.get().cpuPer100k(), "");
                ratio(md, workload, "ours with JVM defaults / peer, peak RSS", p.peakRssMiB() / peerRow.get().peakRssMiB(), "");
            }
            if (workload.startsWith("1M")) {
                md.append(String.format(Locale.ROOT, "| %s | ours, peak RSS | %.0f MiB | < 512 MiB |%n", workload, o.peakRssMiB()));
            }
        }
        return md.toString();
    }

    private static boolean steady(String workload) {
        return workload.startsWith("steady");
    }

    private static void ratio(StringBuilder md, String workload, String what, double value, String target) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %s |%n", workload, what, value, target));
    }

    private Optional<Row> find(String workload, Contender who) {
        return rows.stream().filter(r -> r.workload().equals(workload) && r.contender() == who).findFirst();
    }

    private Set<String> workloads() {
        Set<String> out = new LinkedHashSet<>();
        rows.forEach(r -> out.add(r.workload()));
        return out;
    }

    private static String num(Double value, String format) {
        return value == null || value.isNaN() ? "" : String.format(Locale.ROOT, format, value);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        String stamp = Bench.today();
        Path md = dir.resolve("bench-" + stamp + ".md");
        Path png = dir.resolve("bench-" + stamp + ".png");
        Files.writeString(md, markdown() + "\n![chart](" + png.getFileName() + ")\n");
        ImageIO.write(chart(), "png", png.toFile());
        Files.copy(md, dir.resolve("latest.md"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(png, dir.resolve("latest.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("results: " + md + ", chart: " + png + " (also latest.md, latest.png)");
    }

    // ------------------------------------------------------------------ chart

    private static final Color[] COLORS = {new Color(0x9e9e9e), new Color(0x616161), new Color(0x1e88e5), new Color(0xe53935),
            new Color(0x90caf9), new Color(0x43a047)};

    BufferedImage chart() {
        int width = 1900;
        int height = 560;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("cdc-runner vs Debezium Server 3.6.1 and the ceilings, " + when + " (" + machine.cpus() + " CPUs, one machine)", 20, 30);
        List<String> backlog = workloads().stream().filter(w -> !steady(w)).toList();
        List<String> steady = workloads().stream().filter(Report::steady).toList();
        panel(g, 20, 60, 480, 440, "backlog: changes/s (thousands)", backlog, List.of(Contender.DECODE, Contender.SINK,
                Contender.OURS, Contender.OURS_PLAIN, Contender.PEER, Contender.NULL_SINK), r -> r.changesPerSecond() / 1000);
        panel(g, 520, 60, 360, 440, "backlog: CPU s per 100k changes", backlog, List.of(Contender.OURS, Contender.OURS_PLAIN,
                Contender.PEER, Contender.NULL_SINK), Row::cpuPer100k);
        panel(g, 900, 60, 420, 440, "steady: CPU s per 100k changes", steady, List.of(Contender.OURS, Contender.PEER), Row::cpuPer100k);
        panel(g, 1340, 60, 270, 440, "steady: peak RSS (MiB)", steady, List.of(Contender.OURS, Contender.PEER), Row::peakRssMiB);
        panel(g, 1630, 60, 260, 440, "steady: p99 latency (ms)", steady, List.of(Contender.OURS, Contender.PEER),
                r -> r.latency() == null ? null : (double) r.latency().p99());
        int x = 20;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        for (Contender c : Contender.values()) {
            g.setColor(COLORS[c.ordinal()]);
            g.fillRect(x, 530, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(c.label, x + 20, 543);
            x += 30 + g.getFontMetrics().stringWidth(c.label) + 20;
        }
        g.dispose();
        return image;
    }

    private void panel(Graphics2D g, int x, int y, int w, int h, String title, List<String> groups, List<Contender> who,
                       Function<Row, Double> value) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, x + 10, y + 15);
        int top = y + 40;
        int bottom = y + h - 40;
        int left = x + 50;
        int right = x + w - 10;
        double max = 0;
        for (Row r : rows) {
            if (groups.contains(r.workload()) && who.contains(r.contender()) && value.apply(r) != null) {
                max = Math.max(max, value.apply(r));
            }
        }
        if (max <= 0) {
            return;
        }
        double scale = niceCeiling(max);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 4; i++) {
            int ty = bottom - (int) ((bottom - top) * i / 4.0);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(left, ty, right, ty);
            g.setColor(Color.DARK_GRAY);
            String label = fmt(scale * i / 4);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), ty + 4);
        }
        int groupWidth = (right - left) / Math.max(1, groups.size());
        for (int gi = 0; gi < groups.size(); gi++) {
            String group = groups.get(gi);
            int gx = left + gi * groupWidth;
            int barWidth = Math.min(60, (groupWidth - 20) / who.size());
            int bx = gx + (groupWidth - barWidth * who.size()) / 2;
            for (Contender c : who) {
                Optional<Row> row = find(group, c);
                if (row.isPresent() && value.apply(row.get()) != null) {
                    double v = value.apply(row.get());
                    int bh = (int) ((bottom - top) * v / scale);
                    g.setColor(COLORS[c.ordinal()]);
                    g.fillRect(bx, bottom - bh, barWidth - 6, bh);
                    g.setColor(Color.BLACK);
                    String label = fmt(v);
                    g.drawString(label, bx + (barWidth - 6 - g.getFontMetrics().stringWidth(label)) / 2, bottom - bh - 4);
                }
                bx += barWidth;
            }
            g.setColor(Color.BLACK);
            String name = group.startsWith("steady ") ? group.substring("steady ".length()) : group; // the panel says steady
            g.drawString(name, gx + (groupWidth - g.getFontMetrics().stringWidth(name)) / 2, bottom + 18);
        }
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, bottom, right, bottom);
    }

    private static double niceCeiling(double max) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= max * 1.1) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
