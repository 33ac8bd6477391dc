package dev.sluice.report;

import dev.sluice.engine.MemoryMonitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the report draws of one run record ({@code OUT/_runs/<run_id>.json}), typed: the fields every job writes,
 * the memory over time, and the figures of eval and pack that have charts of their own. The one place the report
 * reads a run record's fields.
 */
record RunSummary(Path output, String runId, String job, String label, String status, String start, double seconds,
                  long rowsIn, Long rowsOut, long peakBytes, long budgetBytes, List<Stage> stages,
                  List<MemoryMonitor.Sample> samples, Eval eval, PackFates fates) {

    /** A stage: when it began (seconds from the run's start), how long it took, its peak resident memory. */
    record Stage(String name, double startSeconds, double seconds, long peakBytes) {}

    /** eval's result: the method as a short name, recall@k, warm QPS and code bytes per vector. */
    record Eval(String method, String family, int k, double recall, double qps, double bytesPerVector) {}

    /** pack's documents by fate and its sequences. */
    record PackFates(long read, long kept, long duplicates, long tooShort, long tooLong, long unreadable,
                     long sequences, long tokensWritten, long padTokens, long seqLen) {}

    /** Reads a record as written by {@link dev.sluice.engine.RunRecord}; fields an older record lacks are 0. */
    static RunSummary of(Path output, Map<String, Object> m) {
        List<Stage> stages = new ArrayList<>();
        double at = 0;
        for (Map<String, Object> s : maps(m.get("stages"))) {
            // Records written before stages kept their start: stages follow each other from the run's start.
            double start = s.containsKey("start_seconds") ? number(s, "start_seconds") : at;
            double secs = number(s, "seconds");
            stages.add(new Stage(String.valueOf(s.get("stage")), start, secs, (long) number(s, "rss_peak_bytes")));
            at = start + secs;
        }
        List<MemoryMonitor.Sample> samples = new ArrayList<>();
        for (Map<String, Object> s : maps(m.get("rss_samples"))) {
            samples.add(new MemoryMonitor.Sample(number(s, "seconds"), (long) number(s, "rss_bytes"),
                    (long) number(s, "rows")));
        }
        String job = String.valueOf(m.get("job"));
        return new RunSummary(output, String.valueOf(m.get("run_id")), job, text(m, "label"),
                String.valueOf(m.get("status")), text(m, "start"), number(m, "seconds"), (long) number(m, "rows_in"),
                m.get("rows_out") instanceof Number n ? n.longValue() : null, (long) number(m, "rss_peak_bytes"),
                (long) number(m, "memory_budget_bytes"), List.copyOf(stages), List.copyOf(samples),
                job.equals("eval") && m.get("recall_at_k") instanceof Number ? eval(m) : null,
                job.equals("pack") && m.get("totals") instanceof Map<?, ?> ? fates(m) : null);
    }

    private static Eval eval(Map<String, Object> m) {
        Map<String, Object> method = m.get("method") instanceof Map<?, ?> ? cast(m.get("method")) : Map.of();
        String method0 = String.valueOf(method.getOrDefault("method", "?"));
        // sq8 and sq4 are one family at two sizes, as pq at two m or rabitq at two bit widths: one line each.
        String family = method0.replaceAll("\\d+$", "");
        StringBuilder name = new StringBuilder(method0);
        if (method.get("m") != null) {
            name.append(" m=").append(method.get("m"));
        }
        if (method.get("nbits") instanceof Number n && n.intValue() != 8) {
            name.append(" nbits=").append(n);
        }
        if (method.get("bits") != null && family.equals(method0)) {
            name.append(" bits=").append(method.get("bits"));
        }
        Map<String, Object> params = m.get("parameters") instanceof Map<?, ?> ? cast(m.get("parameters")) : Map.of();
        if (params.get("rerank") instanceof Number r && r.longValue() > 0) {
            name.append(" rerank=").append(r);
            family += "+rerank";
        }
        return new Eval(name.toString(), family, (int) number(m, "k"), number(m, "recall_at_k"),
                number(m, "search_qps"), number(m, "bytes_per_vector"));
    }

    private static PackFates fates(Map<String, Object> m) {
        Map<String, Object> t = cast(m.get("totals"));
        Map<String, Object> params = m.get("parameters") instanceof Map<?, ?> ? cast(m.get("parameters")) : Map.of();
        return new PackFates((long) number(t, "documents_read"), (long) number(t, "documents_kept"),
                (long) (number(t, "duplicates_in_run") + number(t, "duplicates_of_store")),
                (long) number(t, "too_short"), (long) number(t, "too_long"),
                (long) (number(t, "malformed_lines") + number(t, "missing_text")), (long) number(t, "sequences"),
                (long) number(t, "tokens_written"), (long) number(t, "pad_tokens"), (long) number(params, "seq_len"));
    }

    /** The name in a chart's title: the job and its label, or the time it started (to the second). */
    String shortName() {
        String when = start == null ? runId : start.replaceFirst("^.*T", "").replaceFirst("\\..*$", "");
        // A long label is cut: a title has room for about 65 characters; the whole label is in the table.
        String name = label == null ? when : label.length() > 16 ? label.substring(0, 15) + "\u2026" : label;
        return job + " " + name;
    }

    /** Peak memory as a share of the budget, or NaN without one. */
    double peakShare() {
        return budgetBytes > 0 ? (double) peakBytes / budgetBytes : Double.NaN;
    }

    /** rows_in per second over the whole run. */
    double rate() {
        return seconds > 0 ? rowsIn / seconds : 0;
    }

    /**
     * Whether the samples show throughput: the job counted rows as it went, in at least three steps (a run that
     * finished its only unit at once has a rate, not a curve).
     */
    boolean hasThroughput() {
        int steps = 0;
        for (int i = 1; i < samples.size(); i++) {
            if (samples.get(i).rows() > samples.get(i - 1).rows()) {
                steps++;
            }
        }
        return steps >= 3;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s %s", job, runId, status);
    }

    private static double number(Map<String, Object> m, String field) {
        return m.get(field) instanceof Number n ? n.doubleValue()
                : m.get(field) instanceof String s && !s.isBlank() ? parse(s) : 0;
    }

    /** Older records wrote some rates as text. */
    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String text(Map<String, Object> m, String field) {
        return m.get(field) == null ? null : String.valueOf(m.get(field));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static List<Map<String, Object>> maps(Object o) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object e : l) {
                if (e instanceof Map<?, ?>) {
                    out.add(cast(e));
                }
            }
        }
        return out;
    }
}
