package dev.sluice.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.engine.Json;
import dev.sluice.engine.RunRecord;
import dev.sluice.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice report} over real runs of the jobs on the bundled samples: probe-rows (the demo's run), pack, and
 * compress + eval with seven methods. The page's structure is checked from its HTML (charts, point counts, the
 * table's numbers against the run records, escaping); then headless Chromium renders each page to a PNG under
 * {@code target/report/} and its DOM dump shows that every chart laid out a mark of non-zero size and that the page
 * raised no script error. Only the browser part is skipped where {@code /usr/bin/chromium} is absent.
 */
class ReportTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** Methods of the compress comparison: name, then compress options. */
    static final List<List<String>> METHODS = List.of(List.of("pq16", "--method", "pq", "--m", "16"),
            List.of("opq16", "--method", "opq", "--m", "16"), List.of("sq8", "--method", "sq8"),
            List.of("sq4", "--method", "sq4"), List.of("rabitq1", "--method", "rabitq", "--bits", "1"),
            List.of("rabitq4", "--method", "rabitq", "--bits", "4"), List.of("saq2", "--method", "saq", "--bits", "2"));
    /** A label that must reach the page as text, not markup. */
    static final String LABEL = "pack <debian> & \"texts\"";

    @TempDir
    static Path tmp;
    static Path pngs;
    static Path probe;
    static Path pack;
    static List<Path> codes = new ArrayList<>();

    @BeforeAll
    static void runJobs() throws IOException {
        pngs = Files.createDirectories(Cli.project().resolve("target/report"));
        probe = tmp.resolve("demo");
        ok("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date", "--fields",
                "delay,distance", "--max-len", "256", "--test-fraction", "0.1", "--progress", "none",
                "--memory-limit", "1GB", "--out", probe.toString());
        pack = tmp.resolve("pack");
        ok("pack", "--input", Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(), "--seq-len",
                "512", "--min-tokens", "16", "--max-tokens", "4000", "--progress", "none", "--memory-limit", "1GB",
                "--label", LABEL, "--out", pack.toString());
        Path base = Cli.project().resolve("data-samples/embeddings/base.npy");
        Path queries = Cli.project().resolve("data-samples/embeddings/queries.npy");
        Path truth = tmp.resolve("truth.ivecs");
        for (List<String> m : METHODS) {
            Path out = tmp.resolve(m.getFirst());
            List<String> a = new ArrayList<>(List.of("compress", "--input", base.toString(), "--progress", "none",
                    "--memory-limit", "1GB", "--out", out.toString()));
            a.addAll(m.subList(1, m.size()));
            ok(a.toArray(String[]::new));
            // The exact neighbours once, then read back by the other evals.
            boolean first = codes.isEmpty();
            ok("eval", "--codes", out.toString(), "--queries", queries.toString(), "--base", base.toString(),
                    "--memory-limit", "1GB", first ? "--save-ground-truth" : "--ground-truth", truth.toString());
            codes.add(out);
        }
    }

    static void ok(String... args) {
        Cli.Run r = Cli.run(args);
        assertEquals(0, r.code(), r.toString());
    }

    static String report(String name, Path... outputs) throws IOException {
        Path html = pngs.resolve(name + ".html");
        List<String> a = new ArrayList<>(List.of("report"));
        for (Path o : outputs) {
            a.add(o.toString());
        }
        a.addAll(List.of("--html", html.toString()));
        Cli.Run r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("wrote " + html), r.out());
        return Files.readString(html, StandardCharsets.UTF_8);
    }

    @Test
    void demoReportDrawsMemorySplitsRowLengthsAndShards() throws Exception {
        String html = report("demo", probe);
        Map<String, Object> run = onlyRecord(probe);
        assertChart(html, "splits");
        assertChart(html, "row-lengths");
        assertChart(html, "shards");
        assertChart(html, "memory");
        // One point per 50 ms sample the run kept (the monitor samples every 50 ms; a warm in-process run can be short).
        int samples = ((List<?>) run.get("rss_samples")).size();
        assertTrue(samples >= 2, "RSS sampled: " + samples);
        assertTrue(maxPoints(html, "memory") >= samples, "memory drawn from the sampled RSS");
        // The budget is drawn: 1 GB, and the run's peak is well above a tenth of it.
        assertTrue(html.contains("class=\"level\""), "budget line");
        assertTableValue(html, run, "rows_in");
        assertTableValue(html, run, "rows_out");
        assertTableValue(html, run, "rss_peak_bytes");
        assertTableValue(html, run, "memory_budget_bytes");
        // Self-contained: nothing to fetch (the SVG namespace is a name, not a request).
        String fetched = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertFalse(fetched.contains("http:") || fetched.contains("https:") || fetched.contains(" src=")
                || fetched.contains("<link"), "the page fetches nothing");
        // The split chart: the test split's share of keys, rows and measurements.
        assertEquals(3, count(chart(html, "splits"), "class=\"bar\" data-series=\"test\""));
        render("demo", html);
    }

    @Test
    void compressReportPutsEveryEvalOnOneRecallChart() throws Exception {
        String html = report("compress", codes.toArray(Path[]::new));
        for (String chart : List.of("recall-bytes", "recall-qps")) {
            String svg = chart(html, chart);
            assertEquals(METHODS.size(), count(svg, "class=\"point\""), chart + ": one point per eval run");
        }
        // sq and rabitq have two sizes each: joined by a line.
        assertTrue(count(chart(html, "recall-bytes"), "class=\"series\"") >= 2);
        for (Path out : codes) {
            for (Map<String, Object> run : records(out)) {
                if (run.get("job").equals("eval")) {
                    assertTableValue(html, run, "recall_at_k");
                    assertTableValue(html, run, "search_qps");
                    assertTableValue(html, run, "bytes_per_vector");
                }
                assertTableValue(html, run, "rows_in");
            }
        }
        assertEquals(2 * METHODS.size(), count(html, "data-chart=\"memory\""), "a memory chart per run");
        render("compress", html);
    }

    @Test
    void packReportShowsFatesFillAndEscapesTheLabel() throws Exception {
        String html = report("pack", pack);
        Map<String, Object> run = onlyRecord(pack);
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) run.get("totals");
        String fates = chart(html, "fates");
        for (String fate : List.of("documents_kept", "too_short", "too_long")) {
            assertTrue(fates.contains("data-value=\"" + totals.get(fate) + "\""), fate + " in " + fates);
        }
        assertChart(html, "sequence-fill");
        assertChart(html, "pieces-per-sequence");
        assertChart(html, "memory");
        // Throughput is drawn when the record counted rows in at least three samples (a warm run may be too quick).
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> samples = (List<Map<String, Object>>) run.get("rss_samples");
        long steps = java.util.stream.IntStream.range(1, samples.size()).filter(i ->
                ((Number) samples.get(i).get("rows")).longValue() > ((Number) samples.get(i - 1).get("rows")).longValue())
                .count();
        if (steps >= 3) {
            assertChart(html, "throughput");
        } else {
            assertFalse(html.contains("data-chart=\"throughput\""), "no throughput from " + steps + " steps");
        }
        assertTrue(html.contains("pack &lt;debian&gt; &amp; &quot;texts&quot;"), "the label, escaped");
        assertFalse(html.contains("<debian>"), "no label as markup");
        assertTableValue(html, run, "rows_in");
        render("pack", html);
    }

    @Test
    void usageAndInputErrorsHaveTheirExitCodes() {
        Cli.Run none = Cli.run("report");
        assertEquals(2, none.code(), none.toString());
        Cli.Run missing = Cli.run("report", tmp.resolve("no-such-output").toString(), "--html",
                tmp.resolve("x.html").toString());
        assertEquals(3, missing.code(), missing.toString());
        assertTrue(missing.err().contains("no-such-output"), missing.err());
        assertFalse(Files.exists(tmp.resolve("x.html")), "no page for a failed report");
    }

    @Test
    void textIsEscaped() {
        assertEquals("&lt;svg onload=&quot;x()&quot;&gt; &amp; &#39;", Html.escape("<svg onload=\"x()\"> & '"));
        String svg = Svg.bars("x\"", "<b>", "</text>", Svg.Axis.linear("y", 1), List.of("<c>"), List.of("&"),
                new double[][] {{1}});
        assertFalse(svg.contains("<b>") || svg.contains("<c>") || svg.contains("\"x\"\""), svg);
    }

    /** The chart exists and drew marks: a line of at least 2 points, bars or points. */
    static void assertChart(String html, String id) {
        String svg = chart(html, id);
        assertTrue(maxPoints(svg, id) >= 2 || svg.contains("class=\"bar\"") || svg.contains("class=\"point\""),
                id + " drew nothing: " + svg);
    }

    /** The first chart {@code id} of the page. */
    static String chart(String html, String id) {
        int start = html.indexOf("<svg class=\"chart\" data-chart=\"" + id + "\"");
        assertTrue(start >= 0, "no chart " + id);
        return html.substring(start, html.indexOf("</svg>", start) + 6);
    }

    static int maxPoints(String html, String id) {
        int max = 0;
        for (int at = html.indexOf("data-chart=\"" + id + "\""); at >= 0;
                at = html.indexOf("data-chart=\"" + id + "\"", at + 1)) {
            Matcher m = Pattern.compile("data-points=\"(\\d+)\"").matcher(html.substring(at, html.indexOf("</svg>", at)));
            while (m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        return max;
    }

    /** The run's row in the table holds the record's value of {@code field}, exactly. */
    static void assertTableValue(String html, Map<String, Object> run, String field) {
        int row = html.indexOf("<tr data-run=\"" + run.get("run_id") + "\"");
        assertTrue(row >= 0, "no row for " + run.get("run_id"));
        String tr = html.substring(row, html.indexOf("</tr>", row));
        Matcher m = Pattern.compile("data-field=\"" + field + "\" data-value=\"([^\"]*)\"").matcher(tr);
        assertTrue(m.find(), field + " in " + tr);
        assertEquals(((Number) run.get(field)).doubleValue(), Double.parseDouble(m.group(1)), 0, field);
    }

    static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    static List<Map<String, Object>> records(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.resolve(RunRecord.DIR))) {
            return s.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .sorted().map(Json::read).toList();
        }
    }

    static Map<String, Object> onlyRecord(Path out) throws IOException {
        List<Map<String, Object>> r = records(out);
        assertEquals(1, r.size());
        return r.getFirst();
    }

    /**
     * Renders the page in headless Chromium: a PNG under target/report (to look at), and the DOM after its script
     * ran, whose body says how many charts drew a mark of non-zero size and whether a script error occurred.
     */
    static void render(String name, String html) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": the page is not rendered");
        Path page = pngs.resolve(name + ".html");
        int charts = count(html, "<svg class=\"chart\"");
        // Tall enough for the whole page: two charts a row, a run's charts on rows of their own.
        int height = Math.min(12_000, 700 + 200 * charts);
        Path png = pngs.resolve(name + ".png");
        Files.deleteIfExists(png);
        chromium(name + "-png", "--screenshot=" + png, "--window-size=1200," + height, page.toUri().toString());
        assertTrue(Files.size(png) > 20_000, "a screenshot with something in it: " + png);
        String dom = chromium(name + "-dom", "--dump-dom", page.toUri().toString());
        Matcher body = Pattern.compile("<body[^>]*>").matcher(dom);
        assertTrue(body.find(), dom);
        String tag = body.group();
        assertFalse(tag.contains("data-error"), "script error: " + tag);
        assertTrue(tag.contains("data-drawn=\"" + charts + "\""), "every one of " + charts + " charts drew: " + tag);
    }

    static String chromium(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + tmp.resolve("chromium-" + name)));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve(name + ".log");
        Path stdout = tmp.resolve(name + ".out");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).redirectOutput(stdout.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "chromium " + cmd + ":\n" + Files.readString(log));
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
