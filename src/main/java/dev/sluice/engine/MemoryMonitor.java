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

/**
 * Samples the process's resident memory in the background and keeps start, peak and end per stage.
 *
 * <p>Reads {@code /proc/self/status}: {@code VmRSS} every sample and {@code VmHWM}, the kernel's own
 * high-water mark, so a spike between two samples still shows in the overall peak.
 */
public final class MemoryMonitor implements AutoCloseable {
    private static final long SAMPLE_MILLIS = 50;

    /** One stage's memory: resident bytes at its start, its highest sample, and at its end. */
    public record Stage(String name, long startBytes, long peakBytes, long endBytes, long millis) {}

    private final List<Stage> done = new ArrayList<>();
    private final Thread sampler;
    private final long startBytes;
    private final Instant started = Instant.now();
    private volatile boolean running = true;
    private String stageName;
    private long stageStart;
    private long stageStartMillis;
    private volatile long stagePeak;

    public MemoryMonitor() {
        startBytes = rss();
        sampler = Thread.ofPlatform().daemon().name("sluice-memory").start(this::sample);
    }

    private void sample() {
        while (running) {
            long now = rss();
            if (now > stagePeak) {
                stagePeak = now;
            }
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Ends the current stage, if any, and starts another. */
    public synchronized void stage(String name) {
        endStage();
        stageName = name;
        stageStart = rss();
        stagePeak = stageStart;
        stageStartMillis = System.currentTimeMillis();
    }

    private void endStage() {
        if (stageName != null) {
            long end = rss();
            done.add(new Stage(stageName, stageStart, Math.max(stagePeak, end), end,
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
