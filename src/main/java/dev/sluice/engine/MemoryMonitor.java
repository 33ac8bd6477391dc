package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the process's resident memory in the background and keeps start, peak and end per stage.
 *
 * <p>Reads {@code /proc/self/status}: {@code VmRSS} every sample and {@code VmHWM}, the kernel's own
 * high-water mark, so a spike between two samples still shows in the overall peak.
 *
 * <p>Also keeps the run's memory over time for the run record (and {@code sluice report}): at most
 * {@value #MAX_SAMPLES} points, evenly spaced, whatever the run's length. Each point is the highest of the raw samples
 * it stands for, so a peak survives the thinning; when the list is full, neighbours merge pairwise and the spacing
 * doubles (a 10-hour run keeps a point every 2 minutes or so, in a few kilobytes).
 */
public final class MemoryMonitor implements AutoCloseable {
    private static final long SAMPLE_MILLIS = 50;
    static final int MAX_SAMPLES = 300;

    /**
     * One stage's memory: resident bytes at its start, its highest sample, and at its end; when it began (from the
     * monitor's start) and how long it took.
     */
    public record Stage(String name, long startBytes, long peakBytes, long endBytes, long startMillis, long millis) {}

    /**
     * Memory at one point of the run: seconds from the monitor's start, the highest resident bytes sampled over the
     * interval the point stands for, and the rows the job had counted done by then ({@link #rowsDone}).
     */
    public record Sample(double seconds, long rssBytes, long rows) {}

    private final List<Stage> done = new ArrayList<>();
    private final Thread sampler;
    private final long startBytes;
    private final Instant started = Instant.now();
    private final long startNanos = System.nanoTime();
    private final long budgetBytes;
    private final AtomicLong rows = new AtomicLong();
    private final List<Sample> samples = new ArrayList<>();
    private long stride = 1;
    private long pendingCount;
    private long pendingPeak;
    private volatile boolean running = true;
    private String stageName;
    private long stageStart;
    private long stageStartMillis;
    private long stageOffsetMillis;
    private volatile long stagePeak;

    /** A monitor with no budget to show against (0). */
    public MemoryMonitor() {
        this(0);
    }

    /** {@code budgetBytes}: the run's memory budget, recorded beside its memory over time. */
    public MemoryMonitor(long budgetBytes) {
        this.budgetBytes = budgetBytes;
        startBytes = rss();
        sampler = Thread.ofPlatform().daemon().name("sluice-memory").start(this::sample);
    }

    private void sample() {
        while (running) {
            long now = rss();
            if (now > stagePeak) {
                stagePeak = now;
            }
            keep(now);
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Adds the raw sample {@code rssBytes} to the thinned series: one point per {@code stride} samples. */
    synchronized void keep(long rssBytes) {
        pendingPeak = Math.max(pendingPeak, rssBytes);
        if (++pendingCount < stride) {
            return;
        }
        samples.add(new Sample(secondsSinceStart(), pendingPeak, rows.get()));
        pendingCount = 0;
        pendingPeak = 0;
        if (samples.size() == MAX_SAMPLES) {
            List<Sample> merged = new ArrayList<>(MAX_SAMPLES / 2);
            for (int i = 0; i + 1 < samples.size(); i += 2) {
                Sample a = samples.get(i);
                Sample b = samples.get(i + 1);
                // The later point's time and rows (what was done by then), the higher memory of the two.
                merged.add(new Sample(b.seconds(), Math.max(a.rssBytes(), b.rssBytes()), b.rows()));
            }
            samples.clear();
            samples.addAll(merged);
            stride *= 2;
        }
    }

    private double secondsSinceStart() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * The rows done so far (the job's own unit: measurements, vectors, documents), so that the samples show
     * throughput over time too. Workers may report out of order: the count only rises.
     */
    public void rowsDone(long total) {
        rows.accumulateAndGet(total, Math::max);
    }

    /** The memory budget the run was given, or 0 when it has none to show. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** The run's memory over time so far, at most {@value #MAX_SAMPLES} points, oldest first. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Ends the current stage, if any, and starts another. */
    public synchronized void stage(String name) {
        endStage();
        stageName = name;
        stageStart = rss();
        stagePeak = stageStart;
        stageStartMillis = System.currentTimeMillis();
        stageOffsetMillis = (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void endStage() {
        if (stageName != null) {
            long end = rss();
            done.add(new Stage(stageName, stageStart, Math.max(stagePeak, end), end, stageOffsetMillis,
                    System.currentTimeMillis() - stageStartMillis));
            stageName = null;
        }
    }

    public synchronized List<Stage> stages() {
        endStage();
        return List.copyOf(done);
    }

    /** When monitoring began: the start of the job, which its run record's time counts from. */
    public Instant started() {
        return started;
    }

    public long startBytes() {
        return startBytes;
    }

    /** The process's peak resident memory so far (kernel high-water mark, or the sampled peak). */
    public long peakBytes() {
        long hwm = statusField("VmHWM:");
        long sampled = done.stream().mapToLong(Stage::peakBytes).max().orElse(0);
        return Math.max(hwm, Math.max(sampled, stagePeak));
    }

    /** "Memory Summary: start 145 MB, peak 267 MB, final 198 MB" and one line per stage. */
    public synchronized String summary() {
        List<Stage> stages = stages();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "Memory Summary: start %s, peak %s, final %s", Sizes.format(startBytes), Sizes.format(peakBytes()),
                Sizes.format(rss())));
        for (Stage s : stages) {
            b.append(String.format(Locale.ROOT, "%n  %-12s start %s, peak %s, end %s, %.1f s", s.name(),
                    Sizes.format(s.startBytes()), Sizes.format(s.peakBytes()), Sizes.format(s.endBytes()),
                    s.millis() / 1000.0));
        }
        return b.toString();
    }

    /** Stages as maps, for the run record. */
    public List<Map<String, Object>> stageRecords() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Stage s : stages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s.name());
            m.put("rss_start_bytes", s.startBytes());
            m.put("rss_peak_bytes", s.peakBytes());
            m.put("rss_end_bytes", s.endBytes());
            m.put("start_seconds", s.startMillis() / 1000.0);
            m.put("seconds", s.millis() / 1000.0);
            out.add(m);
        }
        return out;
    }

    public static long rss() {
        return statusField("VmRSS:");
    }

    private static long statusField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    String kb = line.substring(field.length()).strip().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: fall back to what the JVM knows.
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
