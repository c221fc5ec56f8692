package io.github.dashboardmetrics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's picture: freshness (p50, p99) against the change rate of each streaming step,
 * and each throughput the job reached next to the ceiling it is measured against. Plain SVG, no
 * scripts or external resources, so it renders on a repository page. {@code bench --out X.json}
 * writes it as {@code X.svg}, drawn from the JSON, so a key added to the JSON (a new ceiling)
 * only needs a line in {@link #throughputs(JsonNode)}.
 */
public final class BenchChart {
    /** One streaming step: the rate asked for and committed (changes/s) and its freshness percentiles (ms). */
    public record FreshnessStep(double targetRate, double achievedRate, double p50Ms, double p99Ms, boolean sustained) {}

    /**
     * A throughput of the job next to its ceiling (the same work without the job, e.g. the
     * source alone); {@code ceiling} is NaN when it was not measured.
     */
    public record Throughput(String name, double job, double ceiling, String ceilingLabel) {
        public Throughput(String name, double job, double ceiling) {
            this(name, job, ceiling, "ceiling");
        }
    }

    static final int WIDTH = 900;
    static final int PLOT_LEFT = 80;
    static final int PLOT_RIGHT = 860;
    static final int PLOT_TOP = 60;
    static final int PLOT_BOTTOM = 300;
    static final int BARS_TOP = 380;
    static final int BAR_LEFT = 330;
    static final int BAR_RIGHT = 700;
    static final int BAR_HEIGHT = 16;
    static final int PAIR_HEIGHT = 58;

    private static final String P50_COLOUR = "#2b6cb0";
    private static final String P99_COLOUR = "#c53030";
    private static final String JOB_COLOUR = "#2b6cb0";
    private static final String CEILING_COLOUR = "#a0aec0";

    private BenchChart() {}

    /** {@code bench.json} -> {@code bench.svg} in the same directory. */
    public static Path svgNextTo(Path json) {
        String name = json.getFileName().toString();
        String base = name.toLowerCase(Locale.ROOT).endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(base + ".svg");
    }

    /** Draws the chart of a JSON file {@code bench} wrote into {@code svg}. */
    public static void writeFromJson(Path json, Path svg) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        write(svg, steps(root), throughputs(root));
    }

    public static void write(Path svg, List<FreshnessStep> steps, List<Throughput> throughputs) throws IOException {
        Path parent = svg.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(svg, svg(steps, throughputs));
    }

    /** The freshness steps of a bench JSON ({@code steps[]}). */
    static List<FreshnessStep> steps(JsonNode root) {
        List<FreshnessStep> steps = new ArrayList<>();
        for (JsonNode s : root.path("steps")) {
            steps.add(new FreshnessStep(s.path("target_changes_per_s").asDouble(), s.path("achieved_changes_per_s").asDouble(),
                    number(s, "p50_ms"), number(s, "p99_ms"), "sustained".equals(s.path("verdict").asText())));
        }
        return steps;
    }

    /**
     * The throughput pairs of a bench JSON: each rate the job reached and what it is measured
     * against. Keys that a run did not write are left out (or drawn as "not measured").
     */
    static List<Throughput> throughputs(JsonNode root) {
        List<Throughput> pairs = new ArrayList<>();
        double sourceSnapshot = number(root, "source_ceiling_snapshot_rows_per_s");
        double sourceStreaming = number(root, "source_ceiling_streaming_changes_per_s");
        if (root.has("snapshot_rows_per_s")) {
            pairs.add(new Throughput("snapshot (rows/s)", number(root, "snapshot_rows_per_s"), sourceSnapshot, "source alone"));
        }
        if (root.has("max_sustained_changes_per_s")) {
            pairs.add(new Throughput("sustained streaming (changes/s)", number(root, "max_sustained_changes_per_s"),
                    sourceStreaming, "source alone"));
        }
        if (root.has("catchup_changes_per_s")) {
            pairs.add(new Throughput("catch-up (changes/s)", number(root, "catchup_changes_per_s"), sourceStreaming,
                    "source alone"));
        }
        if (root.has("raw_decode_changes_per_s") && root.has("max_sustained_changes_per_s")) {
            pairs.add(new Throughput("streaming vs PostgreSQL decode (changes/s)", number(root, "max_sustained_changes_per_s"),
                    number(root, "raw_decode_changes_per_s"), "raw pgoutput decode"));
        }
        return pairs;
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    /** The whole SVG document. */
    public static String svg(List<FreshnessStep> steps, List<Throughput> throughputs) {
        int height = BARS_TOP + Math.max(1, throughputs.size()) * PAIR_HEIGHT + 30;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " role=\"img\" aria-labelledby=\"title\">%n", WIDTH, height, WIDTH, height));
        s.append("<title id=\"title\">Benchmark: freshness against change rate, throughput against ceilings</title>\n");
        s.append("<style>text { font-family: -apple-system, \"Segoe UI\", Helvetica, Arial, \"DejaVu Sans\", sans-serif;"
                + " font-size: 12px; fill: #222; } .h { font-size: 15px; font-weight: bold; } .axis { fill: #555; }</style>\n");
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, height));
        freshness(s, steps);
        bars(s, throughputs);
        s.append("</svg>\n");
        return s.toString();
    }

    private static void freshness(StringBuilder s, List<FreshnessStep> steps) {
        s.append("<text x=\"20\" y=\"28\" class=\"h\">Freshness (source commit to rollup row visible) against the change rate</text>\n");
        List<FreshnessStep> drawn = steps.stream().filter(st -> rate(st) > 0 && Double.isFinite(st.p50Ms() + st.p99Ms())).toList();
        line(s, PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM, "#333");
        line(s, PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM, "#333");
        if (drawn.isEmpty()) {
            text(s, (PLOT_LEFT + PLOT_RIGHT) / 2.0, (PLOT_TOP + PLOT_BOTTOM) / 2.0, "middle", "no streaming steps", null);
            return;
        }
        double maxMs = niceCeiling(drawn.stream().mapToDouble(FreshnessStep::p99Ms).max().orElse(1));
        double minLog = drawn.stream().mapToDouble(st -> log2(rate(st))).min().orElse(0);
        double maxLog = drawn.stream().mapToDouble(st -> log2(rate(st))).max().orElse(1);
        // y grid and labels
        for (int i = 0; i <= 4; i++) {
            double ms = maxMs * i / 4;
            double y = y(ms, maxMs);
            if (i > 0) {
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e2e8f0\"/>%n",
                        PLOT_LEFT, y, PLOT_RIGHT, y));
            }
            text(s, PLOT_LEFT - 8, y + 4, "end", format(ms) + " ms", "axis");
        }
        // x ticks at each step
        for (FreshnessStep st : drawn) {
            double x = x(rate(st), minLog, maxLog);
            line(s, x, PLOT_BOTTOM, x, PLOT_BOTTOM + 5, "#333");
            text(s, x, PLOT_BOTTOM + 19, "middle", format(rate(st)), "axis");
        }
        text(s, (PLOT_LEFT + PLOT_RIGHT) / 2.0, PLOT_BOTTOM + 38, "middle",
                "changes per second committed (log scale)", "axis");
        series(s, "p50", drawn, FreshnessStep::p50Ms, P50_COLOUR, minLog, maxLog, maxMs);
        series(s, "p99", drawn, FreshnessStep::p99Ms, P99_COLOUR, minLog, maxLog, maxMs);
        // legend
        legend(s, PLOT_LEFT + 10, PLOT_TOP - 14, P50_COLOUR, "p50", true);
        legend(s, PLOT_LEFT + 70, PLOT_TOP - 14, P99_COLOUR, "p99", true);
        legend(s, PLOT_LEFT + 130, PLOT_TOP - 14, "#555", "rate not sustained (lag growing)", false);
    }

    private static void series(StringBuilder s, String id, List<FreshnessStep> steps,
            java.util.function.ToDoubleFunction<FreshnessStep> value, String colour, double minLog, double maxLog, double maxMs) {
        StringBuilder points = new StringBuilder();
        for (FreshnessStep st : steps) {
            points.append(String.format(Locale.ROOT, "%s%.1f,%.1f", points.length() == 0 ? "" : " ",
                    x(rate(st), minLog, maxLog), y(value.applyAsDouble(st), maxMs)));
        }
        s.append(String.format(Locale.ROOT, "<polyline id=\"%s\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                id, points, colour));
        for (FreshnessStep st : steps) {
            double x = x(rate(st), minLog, maxLog);
            double y = y(value.applyAsDouble(st), maxMs);
            s.append(String.format(Locale.ROOT,
                    "<circle class=\"%s %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                    id, st.sustained() ? "sustained" : "not-sustained", x, y, st.sustained() ? colour : "#ffffff", colour));
            if ("p99".equals(id)) {
                text(s, x, y - 9, "middle", format(value.applyAsDouble(st)), null);
            }
        }
    }

    private static void bars(StringBuilder s, List<Throughput> pairs) {
        s.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" class=\"h\">Throughput of the job against its ceiling</text>%n",
                BARS_TOP - 24));
        if (pairs.isEmpty()) {
            text(s, 20, BARS_TOP + 16, "start", "no throughput measured", null);
            return;
        }
        int y = BARS_TOP;
        for (Throughput t : pairs) {
            boolean hasCeiling = Double.isFinite(t.ceiling()) && t.ceiling() > 0;
            double scale = Math.max(hasCeiling ? t.ceiling() : 0, Double.isFinite(t.job()) ? t.job() : 0);
            text(s, 20, y + 12, "start", t.name(), null);
            bar(s, "job", t.job(), scale, y, JOB_COLOUR, "job");
            if (hasCeiling) {
                bar(s, "ceiling", t.ceiling(), scale, y + BAR_HEIGHT + 4, CEILING_COLOUR, t.ceilingLabel());
                text(s, 20, y + 30, "start", String.format(Locale.ROOT, "job = %.0f %% of %s", 100 * t.job() / t.ceiling(),
                        t.ceilingLabel()), "axis");
            } else {
                text(s, BAR_LEFT, y + BAR_HEIGHT + 16, "start", t.ceilingLabel() + ": not measured", "axis");
            }
            y += PAIR_HEIGHT;
        }
    }

    private static void bar(StringBuilder s, String kind, double value, double scale, double y, String colour, String label) {
        double width = scale > 0 && Double.isFinite(value) ? (BAR_RIGHT - BAR_LEFT) * value / scale : 0;
        s.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                kind, BAR_LEFT, y, width, BAR_HEIGHT, colour));
        text(s, BAR_LEFT + width + 6, y + 12, "start", format(value) + "  " + label, null);
    }

    private static void legend(StringBuilder s, double x, double y, String colour, String label, boolean filled) {
        s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                x, y - 4, filled ? colour : "#ffffff", colour));
        text(s, x + 9, y, "start", label, null);
    }

    private static void line(StringBuilder s, double x1, double y1, double x2, double y2, String colour) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, colour));
    }

    private static void text(StringBuilder s, double x, double y, String anchor, String text, String cssClass) {
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n", x, y, anchor,
                cssClass == null ? "" : " class=\"" + cssClass + "\"", escape(text)));
    }

    private static double rate(FreshnessStep st) {
        return st.achievedRate() > 0 ? st.achievedRate() : st.targetRate();
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    static double x(double rate, double minLog, double maxLog) {
        if (maxLog - minLog < 1e-9) {
            return (PLOT_LEFT + PLOT_RIGHT) / 2.0;
        }
        double margin = 30;
        return PLOT_LEFT + margin + (PLOT_RIGHT - PLOT_LEFT - 2 * margin) * (log2(rate) - minLog) / (maxLog - minLog);
    }

    static double y(double ms, double maxMs) {
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * Math.max(0, ms) / maxMs;
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}. */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= v) {
                return m * power;
            }
        }
        return 10 * power;
    }

    static String format(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Redraws the chart of a saved run: {@code BenchChart bench.json [bench.svg]}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: BenchChart BENCH.json [CHART.svg]");
            System.exit(2);
        }
        Path json = Path.of(args[0]);
        Path svg = args.length == 2 ? Path.of(args[1]) : svgNextTo(json);
        writeFromJson(json, svg);
        System.out.println("Chart: " + svg.toAbsolutePath());
    }
}
