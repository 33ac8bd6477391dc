package dev.sluice.estimate;

import dev.sluice.engine.Sizes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a job will need, extrapolated from two runs on samples of its input. Rows out, shard bytes and temp disk
 * grow in proportion to the input (shards hold every row once), the codebook and manifest do not; peak memory
 * does not (it grows with batch size and workers, and the budget caps it), so the samples' peak stands for the
 * run's, except for a sort that outgrows memory ({@link #withSort}). Time is
 * fitted as {@code a + b * size} through the two samples, so start-up costs are not multiplied by the scale,
 * plus what a fresh process pays once (JVM and DuckDB start, first-run class loading and JIT); training
 * (compress) is scaled by its own sample size, which stops growing at {@code --train-size}. The size is rows,
 * or bytes where rows differ in length along the input (pack's documents).
 */
public record Estimate(String job, long inputRows, String inputUnit, String outputUnit, double rowsOut,
                       double outputBytes, double tmpBytes, long peakBytes, long budgetBytes, double seconds,
                       double startSeconds, double trainSeconds, List<SampleRun> samples, List<String> notes) {

    /**
     * One run of the job on a sample: its input rows and size (in the measure the input's size is given in),
     * the vectors it trained on, its wall time and training time, and what it produced.
     */
    public record SampleRun(long inputRows, double size, long trainRows, double seconds, double trainSeconds,
                            long rowsOut, long shardBytes, long fixedBytes, long tmpPeakBytes, long rssPeakBytes) {}

    /** The input: rows, its size in the measure the samples are scaled by, and the vectors a run trains on. */
    public record Input(String job, long rows, double size, String unit, String outputUnit, long trainRows) {}

    /**
     * Extrapolates from a smaller and a larger sample to the whole input; {@code startSeconds} is what a fresh
     * process pays before the work, measured by this one.
     */
    public static Estimate of(Input in, long budgetBytes, double startSeconds, SampleRun small, SampleRun large) {
        double scale = in.size() / Math.max(1e-9, large.size());
        double rest1 = small.seconds() - small.trainSeconds();
        double rest2 = large.seconds() - large.trainSeconds();
        double slope = large.size() > small.size() ? (rest2 - rest1) / (large.size() - small.size()) : 0;
        double seconds = startSeconds;
        double train = 0;
        if (slope > 0) {
            seconds += Math.max(0, rest2 - slope * large.size()) + slope * in.size();
        } else {
            // The larger sample took no longer: fixed costs dominate at this size.
            seconds += Math.max(rest1, rest2);
        }
        if (large.trainRows() > 0) {
            train = large.trainSeconds() * in.trainRows() / large.trainRows();
            seconds += train;
        }
        return new Estimate(in.job(), in.rows(), in.unit(), in.outputUnit(), large.rowsOut() * scale,
                large.shardBytes() * scale + large.fixedBytes(), large.tmpPeakBytes() * scale,
                Math.max(small.rssPeakBytes(), large.rssPeakBytes()), budgetBytes, seconds, startSeconds, train,
                List.of(small, large), List.of());
    }

    /**
     * For a job whose DuckDB sort holds {@code sortBytes} of rows for the whole input (probe-rows): the samples
     * sort in memory, but a sort larger than DuckDB's {@code memory_limit} fills it and spills the rest under
     * --tmp-dir, so the peak adds the sort's resident memory and the temp disk the spill (measured on 30M
     * flights: 432 MB spilled for 1.2 GB of rows at a 567 MB limit, 654 MB at 247 MB).
     */
    public Estimate withSort(double sortBytes, long duckdbBytes) {
        return new Estimate(job, inputRows, inputUnit, outputUnit, rowsOut, outputBytes,
                Math.max(tmpBytes, sortBytes - duckdbBytes), peakBytes + (long) Math.min(sortBytes, duckdbBytes),
                budgetBytes, seconds, startSeconds, trainSeconds, samples, notes);
    }

    /** The same with a line of the job's own under the figures (e.g. how a size breaks down). */
    public Estimate withNote(String note) {
        List<String> more = new java.util.ArrayList<>(notes);
        more.add(note);
        return new Estimate(job, inputRows, inputUnit, outputUnit, rowsOut, outputBytes, tmpBytes, peakBytes,
                budgetBytes, seconds, startSeconds, trainSeconds, samples, List.copyOf(more));
    }

    /** The report for a person. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "estimate for %s over %,d %s (from runs on samples of %,d and %,d %s):%n",
                job, inputRows, inputUnit, samples.get(0).inputRows(), samples.get(1).inputRows(), inputUnit));
        b.append(String.format(Locale.ROOT, "  %-13s about %,.0f%n", outputUnit + " out", rowsOut));
        b.append(String.format(Locale.ROOT, "  %-13s about %s%n", "output disk", Sizes.format((long) outputBytes)));
        b.append(String.format(Locale.ROOT, "  %-13s about %s at the peak (under --tmp-dir)%n", "temp disk",
                Sizes.format((long) tmpBytes)));
        b.append(String.format(Locale.ROOT, "  %-13s about %s resident (budget %s)%n", "peak memory",
                Sizes.format(peakBytes), Sizes.format(budgetBytes)));
        b.append(String.format(Locale.ROOT, "  %-13s about %s on this machine%n", "time", duration(seconds)));
        notes.forEach(n -> b.append("  ").append(n).append(System.lineSeparator()));
        return b.toString();
    }

    /**
     * One of {@code tasks} shard tasks' share, each taking about 1/tasks of the units: of the rows, disk and the
     * work's time, plus its own start; the peak is one process's (the budget bounds it), and the training
     * (compress) runs once, in task 0 or a {@code --train-only} job.
     */
    public record TaskShare(int tasks, double rowsOut, double outputBytes, double tmpBytes, long peakBytes,
                            double seconds, double trainSeconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tasks", tasks);
            putNeeds(m, rowsOut, outputBytes, tmpBytes, peakBytes);
            m.put("seconds", seconds);
            m.put("train_seconds_once", trainSeconds);
            return m;
        }
    }

    /** A task's share when the job runs as {@code tasks} shard tasks. */
    public TaskShare perTask(int tasks) {
        double work = Math.max(0, seconds - startSeconds - trainSeconds);
        return new TaskShare(tasks, rowsOut / tasks, outputBytes / tasks, tmpBytes / tasks, peakBytes,
                startSeconds + work / tasks, trainSeconds);
    }

    /** The report with a shard task's share (as {@code task} of {@code tasks}) after the whole job's. */
    public String report(int task, int tasks) {
        TaskShare t = perTask(tasks);
        StringBuilder b = new StringBuilder(report());
        b.append(String.format(Locale.ROOT, "as shard task %d/%d (each of the %d tasks takes about 1/%d of the work "
                + "units):%n", task, tasks, tasks, tasks));
        b.append(String.format(Locale.ROOT, "  %-13s about %,.0f%n", outputUnit + " out", t.rowsOut()));
        b.append(String.format(Locale.ROOT, "  %-13s about %s%n", "output disk", Sizes.format((long) t.outputBytes())));
        b.append(String.format(Locale.ROOT, "  %-13s about %s at the peak%n", "temp disk",
                Sizes.format((long) t.tmpBytes())));
        b.append(String.format(Locale.ROOT, "  %-13s at most about %s resident (one process's)%n", "peak memory",
                Sizes.format(t.peakBytes())));
        b.append(String.format(Locale.ROOT, "  %-13s about %s, its start included%s%n", "time", duration(t.seconds()),
                switch (job) {
                    case "compress" -> String.format(Locale.ROOT, "; the training (%s) runs once, in task 0 or a "
                            + "--train-only job, and the others wait for it", duration(t.trainSeconds()));
                    case "probe-rows" -> "; with 2 or 3 tasks each also reads the whole input to find its keys' "
                            + "rows, from 4 on the first writes a copy of it for the others";
                    case "pack" -> "; the first task (or a --index-only job) first reads and hashes the whole input "
                            + "once, for all";
                    default -> "";
                }));
        return b.toString();
    }

    /** The same numbers for a program. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("input_rows", inputRows);
        m.put("input_unit", inputUnit);
        m.put("output_unit", outputUnit);
        putNeeds(m, rowsOut, outputBytes, tmpBytes, peakBytes);
        m.put("budget_bytes", budgetBytes);
        m.put("seconds", seconds);
        if (!notes.isEmpty()) {
            m.put("notes", notes);
        }
        m.put("samples", samples.stream().map(r -> Map.of("rows", r.inputRows(), "seconds", r.seconds(),
                "train_seconds", r.trainSeconds(), "rows_out", r.rowsOut())).toList());
        return m;
    }

    private static void putNeeds(Map<String, Object> m, double rowsOut, double outputBytes, double tmpBytes,
                                 long peakBytes) {
        m.put("rows_out", Math.round(rowsOut));
        m.put("output_bytes", Math.round(outputBytes));
        m.put("tmp_bytes", Math.round(tmpBytes));
        m.put("peak_memory_bytes", peakBytes);
    }

    /** The same with a shard task's share, under {@code "per_task"}. */
    public Map<String, Object> toMap(int tasks) {
        Map<String, Object> m = toMap();
        m.put("per_task", perTask(tasks).toMap());
        return m;
    }

    static String duration(double s) {
        if (s < 120) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", s / 3600);
    }
}
