package io.github.dashboardmetrics.docs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little of Markdown that {@link DocsTest} needs: fenced code blocks and code spans (whose
 * contents are not Markdown), headings and the anchors GitHub makes of them, and links.
 */
final class Markdown {
    private Markdown() {}

    /** A link or image: where it is, its text and its target as written. */
    record Link(int line, String text, String target) {}

    /** A heading: its line, level (1 to 6) and raw text. */
    record Heading(int line, int level, String text) {}

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\n\\s*\\n)[\\s\\S])+?\\1");
    private static final Pattern INLINE_LINK = Pattern.compile(
            "!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern LINK_DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HTML_LINK = Pattern.compile("(?i)<(?:a|img)\\b[^>]*?\\b(?:href|src)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern HTML_ANCHOR = Pattern.compile("(?i)<a\\b[^>]*?\\b(?:name|id)\\s*=\\s*\"([^\"]*)\"");

    /** The text with every line of a fenced code block (fences included) blanked; line numbers stay. */
    static String withoutFencedCode(String markdown) {
        StringBuilder out = new StringBuilder();
        String fence = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher m = FENCE.matcher(line);
            if (fence == null && m.find()) {
                fence = m.group(1);
                out.append('\n');
                continue;
            }
            if (fence != null) {
                if (line.trim().startsWith(fence)) {
                    fence = null;
                }
                out.append('\n');
                continue;
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    /** The text with the contents of code spans replaced by spaces (backticks and line breaks kept). */
    static String withoutCodeSpans(String text) {
        StringBuilder out = new StringBuilder(text);
        Matcher m = CODE_SPAN.matcher(text);
        while (m.find()) {
            int ticks = m.group(1).length();
            for (int i = m.start() + ticks; i < m.end() - ticks; i++) {
                if (out.charAt(i) != '\n') {
                    out.setCharAt(i, ' ');
                }
            }
        }
        return out.toString();
    }

    static List<Heading> headings(String markdown) {
        List<Heading> headings = new ArrayList<>();
        String[] lines = withoutFencedCode(markdown).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = HEADING.matcher(lines[i]);
            if (m.matches()) {
                headings.add(new Heading(i + 1, m.group(1).length(), m.group(2)));
            }
        }
        return headings;
    }

    /**
     * GitHub's anchor of a heading (github-slugger): the rendered text in lower case, without
     * characters other than letters, marks, digits, connector punctuation, hyphens and spaces,
     * spaces turned into hyphens.
     */
    static String slug(String headingText) {
        String rendered = headingText
                .replaceAll("!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\([^)]*\\)", "$1") // links and images: their text
                .replaceAll("<[^>]+>", "") // inline HTML
                .replace("`", "")
                .replaceAll("(\\*+|(?<![\\p{L}\\p{N}])_+|_+(?![\\p{L}\\p{N}]))", ""); // emphasis markers
        return rendered.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc}\\- ]", "")
                .replace(' ', '-');
    }

    /** Every anchor a link may name in this document: heading slugs (with GitHub's -1, -2 for repeats) and HTML anchors. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Heading h : headings(markdown)) {
            String base = slug(h.text());
            int n = seen.merge(base, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? base : base + "-" + n);
        }
        Matcher m = HTML_ANCHOR.matcher(withoutFencedCode(markdown));
        while (m.find()) {
            anchors.add(m.group(1));
        }
        return anchors;
    }

    /** Every link, image, link definition and HTML href/src outside code, with its line. */
    static List<Link> links(String markdown) {
        String text = withoutFencedCode(markdown);
        String masked = withoutCodeSpans(text);
        List<Link> links = new ArrayList<>();
        Matcher m = INLINE_LINK.matcher(masked);
        while (m.find()) {
            // the text as written (code spans in it kept), the target from the masked text
            links.add(new Link(lineOf(masked, m.start()), text.substring(m.start(1), m.end(1)), m.group(2)));
        }
        for (Pattern p : List.of(LINK_DEFINITION, HTML_LINK)) {
            Matcher d = p.matcher(masked);
            while (d.find()) {
                links.add(new Link(lineOf(masked, d.start()), "", d.group(1)));
            }
        }
        return links;
    }

    static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The contents of the code spans in a piece of text, in order. */
    static List<String> codeSpans(String text) {
        List<String> spans = new ArrayList<>();
        Matcher m = CODE_SPAN.matcher(text);
        while (m.find()) {
            int ticks = m.group(1).length();
            spans.add(text.substring(m.start() + ticks, m.end() - ticks).trim());
        }
        return spans;
    }

    /** The cells of a table row, split at unescaped pipes ({@code \|} stays inside a cell, unescaped). */
    static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        String r = row.trim();
        if (r.startsWith("|")) {
            r = r.substring(1);
        }
        if (r.endsWith("|") && !r.endsWith("\\|")) {
            r = r.substring(0, r.length() - 1);
        }
        StringBuilder cell = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c == '\\' && i + 1 < r.length() && r.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }
}
