package io.github.dashboardmetrics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.dashboardmetrics.bench.BenchChart.FreshnessStep;
import io.github.dashboardmetrics.bench.BenchChart.Throughput;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class BenchChartTest {
    private static final List<FreshnessStep> STEPS = List.of(
            new FreshnessStep(250, 260, 527, 836, true),
            new FreshnessStep(1_000, 1_009, 526, 833, true),
            new FreshnessStep(16_000, 16_002, 470, 940, true),
            new FreshnessStep(32_000, 27_887, 739, 3_943, false));

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<double[]> points(Document doc, String id) {
        NodeList lines = doc.getElementsByTagName("polyline");
        for (int i = 0; i < lines.getLength(); i++) {
            Element e = (Element) lines.item(i);
            if (id.equals(e.getAttribute("id"))) {
                List<double[]> points = new ArrayList<>();
                for (String p : e.getAttribute("points").trim().split("\\s+")) {
                    String[] xy = p.split(",");
                    points.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
                }
                return points;
            }
        }
        throw new AssertionError("no polyline " + id);
    }

    private static List<Element> byClass(Document doc, String tag, String cssClass) {
        List<Element> found = new ArrayList<>();
        NodeList all = doc.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (List.of(e.getAttribute("class").split(" ")).contains(cssClass)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String texts(Document doc) {
        StringBuilder all = new StringBuilder();
        NodeList texts = doc.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            all.append(texts.item(i).getTextContent()).append('\n');
        }
        return all.toString();
    }

    @Test
    void freshnessIsOnePointPerStepRisingWithTheRateAndP99AboveP50() throws Exception {
        Document doc = parse(BenchChart.svg(STEPS, List.of()));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        List<double[]> p50 = points(doc, "p50");
        List<double[]> p99 = points(doc, "p99");
        assertThat(p50).hasSize(4);
        assertThat(p99).hasSize(4);
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                assertThat(p50.get(i)[0]).as("x grows with the rate").isGreaterThan(p50.get(i - 1)[0]);
            }
            assertThat(p99.get(i)[0]).isEqualTo(p50.get(i)[0]);
            assertThat(p99.get(i)[1]).as("higher latency is drawn higher (smaller y)").isLessThan(p50.get(i)[1]);
        }
        // log scale: 1,009 -> 16,002 is four doublings, 260 -> 1,009 about two
        double twoDoublings = p50.get(1)[0] - p50.get(0)[0];
        double fourDoublings = p50.get(2)[0] - p50.get(1)[0];
        assertThat(fourDoublings / twoDoublings).isCloseTo(Math.log(16_002.0 / 1_009) / Math.log(1_009.0 / 260), within(0.01));
        // values scale linearly from the axis: 3,943 ms is drawn 3,943/836 times as high as 836 ms
        double axis = BenchChart.PLOT_BOTTOM;
        assertThat((axis - p99.get(3)[1]) / (axis - p99.get(0)[1])).isCloseTo(3_943.0 / 836, within(0.01));
        assertThat(byClass(doc, "circle", "not-sustained")).hasSize(2); // the last step's p50 and p99
        assertThat(byClass(doc, "circle", "sustained")).hasSize(6);
        assertThat(texts(doc)).contains("3,943", "16,002", "5,000 ms");
    }

    @Test
    void throughputBarsAreProportionalToTheirCeilingAndAMissingCeilingIsSaid() throws Exception {
        List<Throughput> pairs = List.of(
                new Throughput("streaming <changes/s> & more", 16_002, 126_954, "raw pgoutput decode"),
                new Throughput("snapshot (rows/s)", 11_085, Double.NaN, "source alone"));
        Document doc = parse(BenchChart.svg(STEPS, pairs));
        List<Element> job = byClass(doc, "rect", "job");
        List<Element> ceiling = byClass(doc, "rect", "ceiling");
        assertThat(job).hasSize(2);
        assertThat(ceiling).hasSize(1);
        double jobWidth = Double.parseDouble(job.get(0).getAttribute("width"));
        double ceilingWidth = Double.parseDouble(ceiling.get(0).getAttribute("width"));
        assertThat(jobWidth / ceilingWidth).isCloseTo(16_002.0 / 126_954, within(0.001));
        assertThat(ceilingWidth).isEqualTo(BenchChart.BAR_RIGHT - BenchChart.BAR_LEFT);
        assertThat(Double.parseDouble(job.get(1).getAttribute("width"))).as("without a ceiling the job's bar is full width")
                .isEqualTo(BenchChart.BAR_RIGHT - BenchChart.BAR_LEFT);
        String texts = texts(doc);
        assertThat(texts).contains("streaming <changes/s> & more", "job = 13 % of raw pgoutput decode",
                "source alone: not measured", "126,954");
    }

    @Test
    void emptyInputStillGivesAValidPicture() throws Exception {
        Document doc = parse(BenchChart.svg(List.of(), List.of()));
        assertThat(texts(doc)).contains("no streaming steps", "no throughput measured");
        Document one = parse(BenchChart.svg(List.of(new FreshnessStep(500, 0, 10, 20, true)), List.of()));
        assertThat(points(one, "p50")).hasSize(1);
    }

    /** The JSON of the recorded run in BENCHMARKS.md, drawn as {@code bench --out} does. */
    @Test
    void theChartOfABenchJsonFileIsWrittenBesideIt(@TempDir Path dir) throws Exception {
        String benchmarks = Files.readString(Path.of("BENCHMARKS.md"));
        Matcher json = Pattern.compile("```json\\n(\\{.*?\\n\\})\\n```", Pattern.DOTALL).matcher(benchmarks);
        assertThat(json.find()).as("BENCHMARKS.md shows the JSON of its run").isTrue();
        Path file = dir.resolve("bench-quick.json");
        Files.writeString(file, json.group(1));
        Path svg = BenchChart.svgNextTo(file);
        assertThat(svg).isEqualTo(dir.resolve("bench-quick.svg"));
        BenchChart.writeFromJson(file, svg);

        Document doc = parse(Files.readString(svg));
        assertThat(points(doc, "p99")).hasSize(8);
        assertThat(byClass(doc, "circle", "not-sustained")).hasSize(2);
        String texts = texts(doc);
        assertThat(texts).contains("snapshot (rows/s)", "sustained streaming (changes/s)", "11,085", "16,002",
                "raw pgoutput decode");
        assertThat(byClass(doc, "rect", "ceiling")).as("only the raw decode ceiling is in that run's JSON").hasSize(1);
    }

    @Test
    void newCeilingKeysOfTheBenchAreDrawnWhenPresent() throws Exception {
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"snapshot_rows_per_s\": 11000,"
                + " \"max_sustained_changes_per_s\": 16000, \"catchup_changes_per_s\": 30000,"
                + " \"source_ceiling_snapshot_rows_per_s\": 44000, \"source_ceiling_streaming_changes_per_s\": 60000}");
        List<Throughput> pairs = BenchChart.throughputs(root);
        assertThat(pairs).extracting(Throughput::name)
                .containsExactly("snapshot (rows/s)", "sustained streaming (changes/s)", "catch-up (changes/s)");
        assertThat(pairs).extracting(Throughput::ceiling).containsExactly(44_000.0, 60_000.0, 60_000.0);
    }
}
