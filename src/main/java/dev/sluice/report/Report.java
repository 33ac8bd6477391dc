package dev.sluice.report;

import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.report.OutputSummary.Bin;
import dev.sluice.report.OutputSummary.Histogram;
import dev.sluice.report.OutputSummary.ShardSize;
import dev.sluice.report.OutputSummary.SplitCount;
import dev.sluice.report.RunSummary.PackFates;
import dev.sluice.report.Svg.Axis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The report page: a table of every run, recall against bytes per vector and against QPS over every eval run given
 * (several outputs on one chart), then per output its job's distributions, its shard sizes, and per run its memory
 * over time against the budget (stage starts marked) and its throughput when the run counted rows as it went.
 */
public final class Report {
    /**
     * Below this share of the budget, the memory chart is scaled to the run's peak and states the budget in its
     * title: a budget drawn at 20 times the peak would flatten the line.
     */
    private static final double BUDGET_ON_SCALE = 0.1;

    private final List<OutputSummary> outputs = new ArrayList<>();

    /** Adds the output {@code dir}, whose shards {@code c} reads through its views (one per split). */
    public Report add(Path dir, Connection c) {
        outputs.add(OutputSummary.read(dir.toAbsolutePath().normalize(), c));
        return this;
    }

    /** What was written: the number of charts and of runs. */
    public record Written(Path file, int charts, int runs) {}

    public Written write(Path file) {
        Page page = page();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
            Files.writeString(tmp, page.html(), StandardCharsets.UTF_8);
            Files.move(tmp, file.toAbsolutePath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        }
        return new Written(file, page.charts(), runs().size());
    }

    private record Page(String html, int charts) {}

    private List<RunSummary> runs() {
        return outputs.stream().flatMap(o -> o.runs().stream()).toList();
    }

    private Page page() {
        List<String> charts = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        body.append("<h1>sluice report</h1><p class=\"meta\">").append(outputs.size()).append(" output(s), ")
                .append(runs().size()).append(" run(s); written ").append(Html.escape(Instant.now().toString()))
                .append("</p>");
        body.append("<h2>Runs</h2><div class=\"table\">").append(runTable()).append("</div>");
        String ann = searchCharts(charts);
        if (!ann.isEmpty()) {
            body.append("<h2>Compressed search: recall against size and speed</h2><div class=\"grid\">").append(ann)
                    .append("</div>");
        }
        for (OutputSummary o : outputs) {
            body.append("<section class=\"output\"><h2>").append(Html.escape(o.dir().toString())).append(" <small>")
                    .append(Html.escape(o.job())).append("</small></h2><div class=\"grid\">");
            jobCharts(o, charts).forEach(body::append);
            if (!o.shards().isEmpty()) {
                body.append(add(charts, shardChart(o)));
            }
            for (RunSummary r : o.runs()) {
                if (r.samples().size() >= 2) {
                    body.append(add(charts, memoryChart(r)));
                    if (r.hasThroughput()) {
                        body.append(add(charts, throughputChart(r)));
                    }
                }
            }
            body.append("</div>");
            body.append("</section>");
        }
        String html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sluice report</title>"
                + "<style>" + STYLE + "</style></head><body data-charts=\"" + charts.size() + "\">" + body
                + "<script>" + SCRIPT + "</script></body></html>\n";
        return new Page(html, charts.size());
    }

    private static String add(List<String> charts, String svg) {
        charts.add(svg);
        return svg;
    }

    private String runTable() {
        StringBuilder b = new StringBuilder("<table class=\"runs\"><thead><tr>");
        for (String h : List.of("output", "job", "label", "status", "start", "seconds", "rows in", "rows out",
                "rows in/s", "peak RSS MiB", "budget MiB", "peak/budget", "recall@k", "QPS", "bytes/vector")) {
            b.append("<th>").append(Html.escape(h)).append("</th>");
        }
        b.append("</tr></thead><tbody>");
        for (RunSummary r : runs()) {
            b.append("<tr data-run=\"").append(Html.escape(r.runId())).append("\" title=\"run ")
                    .append(Html.escape(r.runId())).append(" in ").append(Html.escape(r.output().toString()))
                    .append("\">");
            text(b, "output", r.output().getFileName() == null ? r.output().toString()
                    : r.output().getFileName().toString());
            text(b, "job", r.job());
            text(b, "label", r.label());
            text(b, "status", r.status());
            // Seconds are enough to tell runs apart; the full time is in the run record.
            text(b, "start", r.start() == null ? null : r.start().replaceFirst("T", " ").replaceFirst("\\.\\d+Z$", "Z"));
            cell(b, "seconds", r.seconds(), String.format(Locale.ROOT, "%.1f", r.seconds()));
            cell(b, "rows_in", r.rowsIn(), Html.count(r.rowsIn()));
            if (r.rowsOut() != null) {
                cell(b, "rows_out", r.rowsOut(), Html.count(r.rowsOut()));
            } else {
                text(b, "rows_out", "");
            }
            cell(b, "rows_in_per_second", r.rate(), Html.value(r.rate()));
            cell(b, "rss_peak_bytes", r.peakBytes(), Html.mib(r.peakBytes()));
            if (r.budgetBytes() > 0) {
                cell(b, "memory_budget_bytes", r.budgetBytes(), Html.mib(r.budgetBytes()));
                cell(b, "peak_share", r.peakShare(), String.format(Locale.ROOT, "%.0f%%", 100 * r.peakShare()));
            } else {
                text(b, "memory_budget_bytes", "");
                text(b, "peak_share", "");
            }
            if (r.eval() != null) {
                cell(b, "recall_at_k", r.eval().recall(), String.format(Locale.ROOT, "%.3f", r.eval().recall()));
                cell(b, "search_qps", r.eval().qps(), Html.value(r.eval().qps()));
                cell(b, "bytes_per_vector", r.eval().bytesPerVector(), Html.value(r.eval().bytesPerVector()));
            } else {
                text(b, "recall_at_k", "");
                text(b, "search_qps", "");
                text(b, "bytes_per_vector", "");
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static void text(StringBuilder b, String field, String value) {
        b.append("<td data-field=\"").append(field).append("\">").append(Html.escape(value)).append("</td>");
    }

    /** A number: shown rounded, with its exact value in {@code data-value}. */
    private static void cell(StringBuilder b, String field, double exact, String shown) {
        b.append("<td class=\"num\" data-field=\"").append(field).append("\" data-value=\"").append(Html.exact(exact))
                .append("\">").append(Html.escape(shown)).append("</td>");
    }

    /** Recall@k against bytes per vector and QPS against recall@k, one point per eval run, a line per method. */
    private String searchCharts(List<String> charts) {
        List<Svg.Point> bySize = new ArrayList<>();
        List<Svg.Point> bySpeed = new ArrayList<>();
        LinkedHashSet<Integer> ks = new LinkedHashSet<>();
        for (RunSummary r : runs()) {
            if (r.eval() == null || !r.status().equals("ok")) {
                continue;
            }
            RunSummary.Eval e = r.eval();
            String label = r.label() != null ? r.label() : e.method();
            bySize.add(new Svg.Point(e.family(), label, e.bytesPerVector(), e.recall()));
            bySpeed.add(new Svg.Point(e.family(), label, e.recall(), e.qps()));
            ks.add(e.k());
        }
        if (bySize.isEmpty()) {
            return "";
        }
        String recall = "recall@" + (ks.size() == 1 ? ks.getFirst().toString() : "k");
        double[] sizes = bySize.stream().mapToDouble(Svg.Point::x).toArray();
        double[] qps = bySpeed.stream().mapToDouble(Svg.Point::y).toArray();
        Axis recallAxis = new Axis(recall, 0, 1, false);
        return add(charts, Svg.points("recall-bytes", recall + " against bytes per vector",
                Axis.log("bytes per vector", sizes), recallAxis, bySize))
                + add(charts, Svg.points("recall-qps", "QPS against " + recall + " (up and right is better)",
                recallAxis, Axis.log("queries per second", qps), bySpeed));
    }

    private static List<String> jobCharts(OutputSummary o, List<String> charts) {
        List<String> out = new ArrayList<>();
        if (!o.splits().isEmpty()) {
            out.add(add(charts, splitChart(o.splits())));
        }
        for (Histogram h : o.histograms()) {
            if (!h.bins().isEmpty()) {
                out.add(add(charts, histogramChart(h)));
            }
        }
        for (RunSummary r : o.runs()) {
            if (r.fates() != null && r.status().equals("ok")) {
                out.add(add(charts, fatesChart(r)));
            }
        }
        return out;
    }

    /** Each split's share of the keys, rows and measurements: the split by key should give the same share of each. */
    private static String splitChart(List<SplitCount> splits) {
        List<String> measures = List.of("keys", "rows", "measurements");
        double[] totals = new double[3];
        for (SplitCount s : splits) {
            totals[0] += s.keys();
            totals[1] += s.rows();
            totals[2] += s.measurements();
        }
        double[][] values = new double[splits.size()][3];
        for (int i = 0; i < splits.size(); i++) {
            SplitCount s = splits.get(i);
            long[] v = {s.keys(), s.rows(), s.measurements()};
            for (int j = 0; j < 3; j++) {
                values[i][j] = totals[j] > 0 ? 100.0 * v[j] / totals[j] : 0;
            }
        }
        return Svg.bars("splits", "Train/test split: share of keys, rows, measurements", "",
                new Axis("% of the output", 0, 100, false), measures,
                splits.stream().map(SplitCount::split).toList(), values);
    }

    /** Bins from the first to the last, every one drawn (an empty bin is a gap, not left out). */
    private static String histogramChart(Histogram h) {
        List<String> series = new ArrayList<>(new LinkedHashSet<>(h.bins().stream().map(Bin::series).toList()));
        double first = h.bins().stream().mapToDouble(Bin::lo).min().orElse(0);
        double last = h.bins().stream().mapToDouble(Bin::lo).max().orElse(0);
        double step = h.bins().stream().filter(bin -> bin.lo() == first).findFirst().map(Bin::width).orElse(1.0);
        int n = (int) Math.round((last - first) / step) + 1;
        double[][] values = new double[series.size()][n];
        double[] widths = new double[n];
        java.util.Arrays.fill(widths, step);
        for (Bin bin : h.bins()) {
            int c = (int) Math.round((bin.lo() - first) / step);
            values[series.indexOf(bin.series())][c] += bin.count();
            widths[c] = bin.width();
        }
        double top = 0;
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            double stacked = 0;
            for (double[] v : values) {
                stacked += v[c];
            }
            top = Math.max(top, stacked);
            long a = Math.round(first + c * step);
            long b = Math.round(first + c * step + widths[c] - 1);
            labels.add(b > a ? a + "-" + b : Long.toString(a));
        }
        return Svg.bars(h.id(), h.title(), h.xLabel(), Axis.linear("count", top), labels, series, values);
    }

    private static String fatesChart(RunSummary r) {
        PackFates f = r.fates();
        List<String> fates = List.of("kept", "duplicate", "too short", "too long", "unreadable");
        double[] counts = {f.kept(), f.duplicates(), f.tooShort(), f.tooLong(), f.unreadable()};
        double fill = f.sequences() > 0 && f.seqLen() > 0
                ? 100.0 * (f.tokensWritten() - f.padTokens()) / ((double) f.sequences() * f.seqLen()) : 0;
        String title = String.format(Locale.ROOT, "Documents by fate (%s read); sequences %.2f%% full", Html.count(f.read()),
                fill);
        return Svg.bars("fates", title, "", Axis.linear("documents", counts), fates, List.of("documents"),
                new double[][] {counts});
    }

    private static String shardChart(OutputSummary o) {
        List<ShardSize> shards = o.shards();
        double[] mib = shards.stream().mapToDouble(s -> s.bytes() / 1048576.0).toArray();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            names.add(Integer.toString(i));
        }
        long total = shards.stream().mapToLong(ShardSize::bytes).sum();
        return Svg.bars("shards", String.format(Locale.ROOT, "Shard sizes (%d shards, %s)", shards.size(),
                Sizes.format(total)), "shard (in path order)", Axis.linear("MiB", mib), names, List.of("MiB"),
                new double[][] {mib});
    }

    /** Resident memory over the run against the budget, with a marker where each stage began. */
    private static String memoryChart(RunSummary r) {
        List<MemoryMonitor.Sample> samples = r.samples();
        double[] t = samples.stream().mapToDouble(MemoryMonitor.Sample::seconds).toArray();
        double[] mib = samples.stream().mapToDouble(s -> s.rssBytes() / 1048576.0).toArray();
        double peak = Math.max(r.peakBytes(), samples.stream().mapToLong(MemoryMonitor.Sample::rssBytes).max()
                .orElse(0)) / 1048576.0;
        double budget = r.budgetBytes() / 1048576.0;
        boolean budgetShown = budget > 0 && peak >= BUDGET_ON_SCALE * budget;
        String title = r.shortName() + " memory: peak " + Html.value(peak) + (budget <= 0 ? " MiB"
                : String.format(Locale.ROOT, " of %s MiB (%.0f%%%s)", Html.value(budget), 100 * peak / budget,
                        budgetShown ? "" : ", budget off scale"));
        double end = Math.max(t[t.length - 1], r.seconds());
        List<Svg.Marker> markers = r.stages().stream().map(s -> new Svg.Marker(s.startSeconds(), s.name())).toList();
        return Svg.lines("memory", title, Axis.linear("seconds", end),
                Axis.linear("resident MiB", peak * 1.1, budgetShown ? budget : 0),
                List.of(new Svg.Series("RSS", t, mib)), markers,
                budgetShown ? List.of(new Svg.Level(budget, "budget")) : List.of());
    }

    /** Rows per second between samples, over windows of a few samples so that the line is readable. */
    private static String throughputChart(RunSummary r) {
        List<MemoryMonitor.Sample> s = r.samples();
        int step = Math.max(1, s.size() / 60);
        List<Double> t = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        for (int i = step; i < s.size(); i += step) {
            MemoryMonitor.Sample a = s.get(i - step);
            MemoryMonitor.Sample b = s.get(i);
            double dt = b.seconds() - a.seconds();
            if (dt > 0) {
                t.add(b.seconds());
                rate.add((b.rows() - a.rows()) / dt);
            }
        }
        double[] x = t.stream().mapToDouble(Double::doubleValue).toArray();
        double[] y = rate.stream().mapToDouble(Double::doubleValue).toArray();
        List<Svg.Marker> markers = r.stages().stream().map(st -> new Svg.Marker(st.startSeconds(), st.name())).toList();
        return Svg.lines("throughput", String.format(Locale.ROOT, "%s: rows in/s, %s over the run",
                        r.shortName(), Html.value(r.rate())), Axis.linear("seconds", r.seconds()), Axis.linear("rows/s", y),
                List.of(new Svg.Series("rows/s", x, y)), markers, List.of());
    }

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:16px;color:#222}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;word-break:break-all}
            h3{font-size:14px;margin:12px 0 4px}small{color:#777;font-weight:normal}.meta{color:#666;margin:0}
            .grid{display:flex;flex-wrap:wrap;gap:8px}svg.chart{border:1px solid #ddd;background:#fff}
            table.runs{border-collapse:collapse;font-size:11px}table.runs th,table.runs td{border:1px solid #ddd;
            padding:2px 5px;white-space:nowrap}td.num{text-align:right}.table{overflow-x:auto}th{background:#f3f3f3}
            """;

    /**
     * Marks the body with how many charts the browser laid out with a drawn mark of non-zero size, and with any
     * error: what a headless browser's DOM dump shows a test. The page draws without it.
     */
    private static final String SCRIPT = """
            try{let n=0;for(const s of document.querySelectorAll('svg.chart')){const m=s.querySelector(
            '.series,.bar,.point');if(m){const b=m.getBBox();if(b.width>0||b.height>0)n++;}}
            document.body.dataset.drawn=String(n);}catch(e){document.body.dataset.error=String(e);}
            """;
}
