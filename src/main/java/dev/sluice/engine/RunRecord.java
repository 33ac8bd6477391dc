package dev.sluice.engine;

import java.lang.management.ManagementFactory;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One run's record: job, parameters, start and end, status, rows, throughput and memory per stage, and the figures
 * the job reports: a record of its own (probe-rows' keys, compress's quantizer, pack's tokens, ...), whose components
 * become fields of the same name in snake case. Each run writes its own file under {@code OUT/_runs/}, so any number
 * of processes can log at once without sharing a file; this class is the record's one JSON mapping.
 */
public final class RunRecord {
    public static final String DIR = "_runs";
    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    /** What every job's record says besides the runtime's measurements. */
    public record Outcome(long rowsOut, int units, int unitsRun, String shard) {}

    private final String job;
    private final Map<String, Object> parameters;
    private final Instant start;
    private final String runId;
    private final String host;
    private String label;
    private Outcome outcome;
    private Record figures;
    private Map<String, Object> measurements = Map.of();

    /**
     * A record of a run of {@code job} that began at {@code start}: the job's start, before its plan, so that
     * {@code seconds} is the whole run (a record made once the plan is known would leave the plan out).
     */
    public RunRecord(String job, Map<String, Object> parameters, Instant start) {
        this.job = job;
        this.parameters = parameters;
        this.start = start;
        this.host = hostName();
        runId = FILE_TIME.format(start) + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The user's name for this run ({@code --label}, to tell experiments apart across outputs); null for none. */
    public RunRecord label(String text) {
        label = text;
        return this;
    }

    /** The rows, units and shard task of a unit job's run. */
    public RunRecord outcome(Outcome o) {
        outcome = o;
        return this;
    }

    /** The job's own figures, a record whose components are written as fields (snake case). */
    public RunRecord figures(Record r) {
        figures = r;
        return this;
    }

    /** Named measurements in print order (eval's metrics), written as fields. */
    public RunRecord measurements(Map<String, Object> m) {
        measurements = new LinkedHashMap<>(m);
        return this;
    }

    /**
     * Writes the record as it stands, with status {@code running}: a run killed before it ends (kill -9, a node
     * lost) leaves this behind, so {@code sluice runs} shows it, with its start and no end.
     */
    public void start(Path outDir) {
        Json.writeAtomically(file(outDir), common("running", outDir));
    }

    /** Fills end time, status, throughput and memory, then writes {@code OUT/_runs/<run_id>.json}. */
    public void finish(Path outDir, String status, MemoryMonitor memory, long rowsIn) {
        finish(outDir, status, memory, rowsIn, null);
    }

    private void finish(Path outDir, String status, MemoryMonitor memory, long rowsIn, Throwable error) {
        Instant end = Instant.now();
        double seconds = Math.max((end.toEpochMilli() - start.toEpochMilli()) / 1000.0, 1e-3);
        Map<String, Object> m = common(status, outDir);
        if (outcome != null) {
            components(outcome, m);
        }
        if (figures != null) {
            components(figures, m);
        }
        m.putAll(measurements);
        if (error != null) {
            m.put("error", String.valueOf(error.getMessage()));
        }
        m.put("end", end.toString());
        m.put("seconds", seconds);
        m.put("rows_in", rowsIn);
        m.put("rows_in_per_second", Math.round(rowsIn / seconds * 10) / 10.0);
        m.put("rss_start_bytes", memory.startBytes());
        m.put("rss_peak_bytes", memory.peakBytes());
        m.put("rss_final_bytes", MemoryMonitor.rss());
        m.put("stages", memory.stageRecords());
        if (memory.budgetBytes() > 0) {
            m.put("memory_budget_bytes", memory.budgetBytes());
        }
        m.put("rss_samples", memory.samples().stream().map(s -> {
            Map<String, Object> point = new LinkedHashMap<>();
            components(s, point);
            return point;
        }).toList());
        Json.writeAtomically(file(outDir), m);
    }

    /**
     * Records a run that failed with {@code error}. Writing the record may fail too (the disk is full, say):
     * that failure is added to {@code error} as suppressed, since the first error is the one to show.
     */
    public void fail(Path outDir, Throwable error, MemoryMonitor memory) {
        try {
            finish(outDir, "failed", memory, 0, error);
        } catch (RuntimeException recordFailed) {
            error.addSuppressed(recordFailed);
        }
    }

    private Path file(Path outDir) {
        return outDir.resolve(DIR).resolve(runId + ".json");
    }

    private Map<String, Object> common(String status, Path outDir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("job", job);
        // Where the output is, so that records read across outputs (sluice runs a b c) say which is which.
        m.put("output", outDir.toAbsolutePath().normalize().toString());
        if (label != null) {
            m.put("label", label);
        }
        m.put("version", Version.get());
        m.put("host", host);
        m.put("parameters", parameters);
        m.put("start", start.toString());
        m.put("status", status);
        return m;
    }

    /** A record's components as fields, {@code rowsOut} as {@code rows_out}. */
    private static void components(Record r, Map<String, Object> into) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                into.put(snakeCase(c.getName()), c.getAccessor().invoke(r));
            } catch (ReflectiveOperationException e) {
                throw SluiceException.internal("cannot read " + c + " of a run record: " + e.getMessage(), e);
            }
        }
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String hostName() {
        String name = ManagementFactory.getRuntimeMXBean().getName();
        int at = name.indexOf('@');
        return at >= 0 ? name.substring(at + 1) : name;
    }
}
