package io.github.dashboardmetrics.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps the documentation true to the repository (issue 14): no merge-conflict markers in any
 * tracked file; every relative link and anchor in every tracked Markdown file resolves; every
 * option of every command is documented in docs/configuration.md and every option documented
 * there exists; benchmark figures quoted outside BENCHMARKS.md come from it; the README's first
 * lines are the two commands.
 *
 * <p>Conventions the checks rely on (also stated in docs/configuration.md and docs/testing.md):
 * <ul>
 *   <li>In docs/configuration.md, a heading that names commands in backticks (<code>## `run`</code>,
 *       <code>## Database options: `run`, `verify`, `backfill`</code>) starts the section of those
 *       commands (lower headings without commands stay in it); every table row in it whose first
 *       cell starts with a backticked option (<code>`--db-url JDBC_URL`</code>) documents the
 *       options in that cell for each of them.</li>
 *   <li>A benchmark figure quoted outside BENCHMARKS.md is the text of a link to BENCHMARKS.md,
 *       and that text appears verbatim in BENCHMARKS.md. A number followed by a throughput unit
 *       (rows/s, changes/s) or "bytes per source row" anywhere else is a figure that is not
 *       quoted that way, and fails.</li>
 * </ul>
 */
class DocsTest {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final String CONFIGURATION = "docs/configuration.md";
    static final String BENCHMARKS = "BENCHMARKS.md";

    // ---------------------------------------------------------------- merge-conflict markers

    private static final Pattern CONFLICT_MARKER = Pattern.compile("^(?:<{7}|>{7}|\\|{7})(?: .*)?$|^={7}$");

    @Test
    void noTrackedFileHoldsAMergeConflictMarker() {
        List<String> found = new ArrayList<>();
        for (String file : trackedFiles()) {
            found.addAll(conflictMarkers(file, readIfText(file)));
        }
        assertThat(found).as("merge-conflict markers (resolve the conflict, keep what both sides meant)").isEmpty();
    }

    static List<String> conflictMarkers(String file, String text) {
        List<String> found = new ArrayList<>();
        if (text == null) {
            return found;
        }
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (CONFLICT_MARKER.matcher(lines[i]).matches()) {
                found.add(file + ":" + (i + 1) + ": " + lines[i]);
            }
        }
        return found;
    }

    @Test
    void theConflictCheckFindsMarkers() {
        String conflicted = "a\n" + "<".repeat(7) + " HEAD\nb\n" + "=".repeat(7) + "\nc\n" + ">".repeat(7) + " branch\n";
        assertThat(conflictMarkers("x.md", conflicted)).containsExactly(
                "x.md:2: " + "<".repeat(7) + " HEAD", "x.md:4: " + "=".repeat(7), "x.md:6: " + ">".repeat(7) + " branch");
        assertThat(conflictMarkers("x.md", "Title\n========\n<<< not one\n")).isEmpty();
    }

    // ---------------------------------------------------------------- links and anchors

    @Test
    void everyRelativeLinkAndAnchorInTrackedMarkdownResolves() {
        Set<String> tracked = new TreeSet<>(trackedFiles());
        List<String> broken = new ArrayList<>();
        for (String file : markdownFiles(tracked)) {
            broken.addAll(brokenLinks(file, read(file), tracked));
        }
        assertThat(broken).as("broken relative links or anchors (GitHub's anchor of a heading: lower case, "
                + "punctuation dropped, spaces as hyphens)").isEmpty();
    }

    /** The links of {@code file} that do not resolve among {@code tracked}, as "file:line: [text](target): why". */
    static List<String> brokenLinks(String file, String markdown, Set<String> tracked) {
        List<String> broken = new ArrayList<>();
        for (Markdown.Link link : Markdown.links(markdown)) {
            String target = link.target();
            if (target.isEmpty() || target.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                continue; // http:, https:, mailto:
            }
            int hash = target.indexOf('#');
            String pathPart = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            String where = file + ":" + link.line() + ": [" + link.text() + "](" + target + "): ";
            String resolved = pathPart.isEmpty() ? file : resolve(file, URLDecoder.decode(pathPart, StandardCharsets.UTF_8));
            if (resolved == null) {
                broken.add(where + "points outside the repository");
                continue;
            }
            boolean isFile = tracked.contains(resolved);
            boolean isDirectory = tracked.stream().anyMatch(t -> t.startsWith(resolved.isEmpty() ? "" : resolved + "/"));
            if (!isFile && !isDirectory) {
                broken.add(where + resolved + " is not a tracked file or directory");
                continue;
            }
            if (anchor != null && isFile && resolved.endsWith(".md")) {
                String targetText = resolved.equals(file) ? markdown : read(resolved);
                Set<String> anchors = Markdown.anchors(targetText);
                if (!anchors.contains(anchor)) {
                    broken.add(where + "no heading in " + resolved + " has the anchor #" + anchor + "; its anchors: " + anchors);
                }
            }
        }
        return broken;
    }

    /** {@code target} relative to the directory of {@code file} (or to the root when it starts with /), normalised; null outside. */
    static String resolve(String file, String target) {
        Path base = target.startsWith("/") ? Path.of("") : Path.of(file).getParent();
        Path p = (base == null ? Path.of("") : base).resolve(target.startsWith("/") ? target.substring(1) : target).normalize();
        String s = p.toString().replace('\\', '/');
        if (s.startsWith("..")) {
            return null;
        }
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Test
    void theLinkCheckKnowsGithubAnchorsAndFindsBrokenLinks() {
        assertThat(Markdown.slug("Results (2 cores, `--profile quick`)")).isEqualTo("results-2-cores---profile-quick");
        assertThat(Markdown.slug("Fresh on the dashboard, not just in the table (`--redis-url`)"))
                .isEqualTo("fresh-on-the-dashboard-not-just-in-the-table---redis-url");
        assertThat(Markdown.slug("1. Database")).isEqualTo("1-database");
        assertThat(Markdown.slug("Grafana dashboards (`deploy/grafana/`)")).isEqualTo("grafana-dashboards-deploygrafana");
        assertThat(Markdown.slug("Why the DataStream API and not Flink SQL")).isEqualTo("why-the-datastream-api-and-not-flink-sql");
        assertThat(Markdown.anchors("# A\n## Usage\n## Usage\n```\n# not a heading\n```\n")).containsExactly("a", "usage", "usage-1");

        Set<String> tracked = Set.of("README.md", "docs/a.md", "deploy/x.sql");
        String doc = String.join("\n",
                "# Title",
                "## Some part",
                "[ok](#some-part) [ok](../README.md) [ok](../deploy/) [ok](https://example.com/x#y)",
                "[missing file](b.md) [missing anchor](#nope) `[in code](nowhere.md)`",
                "```",
                "[in a fence](nowhere.md)",
                "```",
                "[outside](../../etc/passwd)");
        assertThat(brokenLinks("docs/a.md", doc, tracked)).hasSize(3)
                .anyMatch(s -> s.startsWith("docs/a.md:4: [missing file](b.md)"))
                .anyMatch(s -> s.startsWith("docs/a.md:4: [missing anchor](#nope)"))
                .anyMatch(s -> s.startsWith("docs/a.md:8: [outside]"));
    }

    // ---------------------------------------------------------------- options

    private static final Pattern HEADING_LINE = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*)$");

    /** For every command, the options docs/configuration.md documents for it, with the line of each. */
    static Map<String, Map<String, Integer>> documentedOptions(String markdown, Set<String> commands, List<String> problems) {
        Map<String, Map<String, Integer>> documented = new LinkedHashMap<>();
        commands.forEach(c -> documented.put(c, new LinkedHashMap<>()));
        Set<String> current = Set.of();
        String[] lines = Markdown.withoutFencedCode(markdown).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher h = HEADING_LINE.matcher(line);
            if (h.matches()) {
                Set<String> named = Markdown.codeSpans(h.group(2)).stream().filter(commands::contains)
                        .collect(Collectors.toCollection(LinkedHashSet::new));
                if (!named.isEmpty()) {
                    current = named;
                } else if (h.group(1).length() <= 2) {
                    current = Set.of();
                }
                continue;
            }
            if (!line.trim().startsWith("|")) {
                continue;
            }
            List<String> cells = Markdown.cells(line);
            if (cells.isEmpty() || !cells.get(0).startsWith("`-")) {
                continue;
            }
            for (String span : Markdown.codeSpans(cells.get(0))) {
                if (!span.startsWith("-")) {
                    continue;
                }
                String option = span.split("[ =]", 2)[0];
                if (current.isEmpty()) {
                    problems.add(CONFIGURATION + ":" + (i + 1) + ": `" + option
                            + "` is documented under no heading that names a command in backticks");
                }
                for (String command : current) {
                    documented.get(command).put(option, i + 1);
                }
            }
        }
        return documented;
    }

    /** What is wrong between the commands' options and the page: missing rows and rows of options that do not exist. */
    static List<String> optionProblems(Map<String, CommandSpec> commands, String markdown) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Integer>> documented = documentedOptions(markdown, commands.keySet(), problems);
        commands.forEach((name, spec) -> {
            Map<String, Integer> rows = documented.get(name);
            for (OptionSpec option : spec.options()) {
                if (option.hidden()) {
                    continue;
                }
                if (Arrays.stream(option.names()).noneMatch(rows::containsKey)) {
                    String label = option.typeInfo().isBoolean() ? "" : " " + option.paramLabel();
                    String def = option.defaultValue() == null ? "" : "`" + option.defaultValue() + "`";
                    problems.add("`" + name + " " + option.longestName() + "` is in `" + name + " --help` but not in "
                            + CONFIGURATION + ": add the row | `" + option.longestName() + label + "` | " + def
                            + " | meaning | to the table under the heading that names `" + name + "`");
                }
            }
            rows.forEach((documentedName, line) -> {
                boolean exists = spec.options().stream().filter(o -> !o.hidden())
                        .anyMatch(o -> Arrays.asList(o.names()).contains(documentedName));
                if (!exists) {
                    problems.add(CONFIGURATION + ":" + line + " documents `" + documentedName + "` for `" + name
                            + "`, but `" + name + " --help` has no such option: fix the name or remove the row");
                }
            });
        });
        return problems;
    }

    static Map<String, CommandSpec> subcommands() {
        Map<String, CommandSpec> commands = new LinkedHashMap<>();
        new CommandLine(new Main()).getSubcommands().forEach((name, cli) -> commands.put(name, cli.getCommandSpec()));
        return commands;
    }

    @Test
    void everyOptionOfEveryCommandIsDocumentedInTheConfigurationPageAndEveryDocumentedOptionExists() {
        Map<String, CommandSpec> commands = subcommands();
        assertThat(commands).containsKeys("run", "verify", "backfill", "promote", "demo", "bench");
        assertThat(optionProblems(commands, read(CONFIGURATION))).isEmpty();
    }

    @Test
    void theOptionCheckNamesWhatIsMissingAndWhatDoesNotExist() {
        @CommandLine.Command(name = "example")
        class Example {
            @CommandLine.Option(names = "--alpha", paramLabel = "N", defaultValue = "3")
            int alpha;

            @CommandLine.Option(names = {"-b", "--beta"})
            boolean beta;

            @CommandLine.Option(names = "--hidden", hidden = true)
            boolean hidden;
        }
        Map<String, CommandSpec> commands = Map.of("example", new CommandLine(new Example()).getCommandSpec());
        String page = String.join("\n",
                "# Configuration",
                "| `--beta` | | documented nowhere: no command heading |",
                "## `example`",
                "| option | default | meaning |",
                "|---|---|---|",
                "| `-b`, `--beta` | | fine |",
                "| `--gamma N` | | gone |",
                "## Other things",
                "| `--alpha N` | | not under a command heading |");
        List<String> problems = optionProblems(commands, page);
        assertThat(problems).containsExactlyInAnyOrder(
                CONFIGURATION + ":2: `--beta` is documented under no heading that names a command in backticks",
                CONFIGURATION + ":9: `--alpha` is documented under no heading that names a command in backticks",
                "`example --alpha` is in `example --help` but not in " + CONFIGURATION
                        + ": add the row | `--alpha N` | `3` | meaning | to the table under the heading that names `example`",
                CONFIGURATION + ":7 documents `--gamma` for `example`, but `example --help` has no such option:"
                        + " fix the name or remove the row");
    }

    // ---------------------------------------------------------------- benchmark figures

    private static final Pattern FIGURE = Pattern.compile(
            "\\d[\\d,.]*\\s*(?:rows/s|changes/s|bytes per source row)");

    /** Benchmark figures in {@code file} that are not quoted from BENCHMARKS.md as the convention says. */
    static List<String> unquotedFigures(String file, String markdown, String benchmarks) {
        List<String> problems = new ArrayList<>();
        String normalisedBenchmarks = benchmarks.replaceAll("\\s+", " ");
        StringBuilder rest = new StringBuilder(Markdown.withoutCodeSpans(Markdown.withoutFencedCode(markdown)));
        for (Markdown.Link link : Markdown.links(markdown)) {
            String resolved = link.target().startsWith("#") ? file : resolve(file, link.target().split("#", 2)[0]);
            if (!BENCHMARKS.equals(resolved) || !link.text().matches("(?s).*\\d.*")) {
                continue;
            }
            String quoted = link.text().replaceAll("\\s+", " ").trim();
            if (!normalisedBenchmarks.contains(quoted)) {
                problems.add(file + ":" + link.line() + ": [" + quoted + "] is quoted from " + BENCHMARKS
                        + " but does not appear there verbatim: copy the figure as it is there");
            }
        }
        // blank the text of links to BENCHMARKS.md, then look for figures left elsewhere
        Matcher links = Pattern.compile("\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(([^)\\s]*)\\)").matcher(rest.toString());
        List<int[]> blank = new ArrayList<>();
        while (links.find()) {
            String target = links.group(2).split("#", 2)[0];
            String resolved = target.isEmpty() ? file : resolve(file, target);
            if (BENCHMARKS.equals(resolved)) {
                blank.add(new int[] {links.start(1), links.end(1)});
            }
        }
        for (int[] range : blank) {
            for (int i = range[0]; i < range[1]; i++) {
                if (rest.charAt(i) != '\n') {
                    rest.setCharAt(i, ' ');
                }
            }
        }
        Matcher figures = FIGURE.matcher(rest);
        while (figures.find()) {
            problems.add(file + ":" + Markdown.lineOf(rest.toString(), figures.start()) + ": `" + figures.group()
                    + "` looks like a benchmark figure: quote it as a link to " + BENCHMARKS
                    + " whose text appears there verbatim, e.g. [" + figures.group() + "](" + BENCHMARKS + ")");
        }
        return problems;
    }

    @Test
    void benchmarkFiguresOutsideBenchmarksMdAreQuotedFromIt() {
        Set<String> tracked = new TreeSet<>(trackedFiles());
        assertThat(tracked).contains(BENCHMARKS);
        String benchmarks = read(BENCHMARKS);
        List<String> problems = new ArrayList<>();
        for (String file : markdownFiles(tracked)) {
            if (!file.equals(BENCHMARKS)) {
                problems.addAll(unquotedFigures(file, read(file), benchmarks));
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theFigureCheckFindsFiguresThatAreNotQuotedOrNotInTheBenchmarks() {
        String benchmarks = "max sustained 16,002 changes/s and a snapshot of 11,085 rows/s";
        String doc = String.join("\n",
                "It sustained [16,002 changes/s](../BENCHMARKS.md#results).",
                "It sustained [20,000 changes/s](../BENCHMARKS.md).",
                "It read 11,085 rows/s.",
                "Rates from 250 to 32,000 per second are tried; `9 rows/s` in code is not a claim.");
        assertThat(unquotedFigures("docs/x.md", doc, benchmarks)).containsExactlyInAnyOrder(
                "docs/x.md:2: [20,000 changes/s] is quoted from BENCHMARKS.md but does not appear there verbatim:"
                        + " copy the figure as it is there",
                "docs/x.md:3: `11,085 rows/s` looks like a benchmark figure: quote it as a link to BENCHMARKS.md"
                        + " whose text appears there verbatim, e.g. [11,085 rows/s](BENCHMARKS.md)");
    }

    // ---------------------------------------------------------------- the front page

    @Test
    void theReadmeStartsWithTheTwoCommandsAndFitsOnAFewScreens() {
        List<String> readme = read("README.md").lines().toList();
        assertThat(readme.get(0)).isEqualTo("# dashboard-metrics-flink");
        assertThat(readme.subList(0, 6)).anyMatch(l -> l.startsWith("mvn -q package -DskipTests && bin/dashboard-metrics demo "))
                .anyMatch(l -> l.startsWith("mvn -B verify "));
        assertThat(readme.size()).as("README.md lines (issue 14: about 150 at most; move detail to docs/)")
                .isLessThanOrEqualTo(150);
        List<String> ciCommands = read(".ci/run").lines().map(String::trim).filter(l -> l.startsWith("mvn")).toList();
        assertThat(ciCommands).as(".ci/run runs exactly the README's test command").containsExactly("mvn -B verify");
    }

    // ---------------------------------------------------------------- files

    /** The repository's tracked files (git ls-files), or every file outside target/ and .git when git cannot say. */
    static List<String> trackedFiles() {
        try {
            Process git = new ProcessBuilder("git", "ls-files", "-z").directory(ROOT.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = git.getInputStream().readAllBytes();
            if (git.waitFor() == 0 && out.length > 0) {
                return Arrays.stream(new String(out, StandardCharsets.UTF_8).split("\0")).filter(s -> !s.isEmpty())
                        .filter(s -> Files.isRegularFile(ROOT.resolve(s))).toList();
            }
        } catch (IOException e) {
            // no git: walk the tree below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(Files::isRegularFile).map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
                    .filter(s -> !s.startsWith("target/") && !s.startsWith(".git")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> markdownFiles(Set<String> tracked) {
        List<String> md = tracked.stream().filter(f -> f.endsWith(".md")).toList();
        assertThat(md).as("tracked Markdown files").contains("README.md", CONFIGURATION);
        return md;
    }

    static String read(String file) {
        try {
            return Files.readString(ROOT.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file, e);
        }
    }

    /** The file as UTF-8 text, or null when it looks binary. */
    static String readIfText(String file) {
        try {
            byte[] bytes = Files.readAllBytes(ROOT.resolve(file));
            for (int i = 0; i < Math.min(bytes.length, 8000); i++) {
                if (bytes[i] == 0) {
                    return null;
                }
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file, e);
        }
    }
}
