package dev.sluice.engine;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One run's record: job, parameters, start and end, status, rows, bytes, throughput and memory per stage.
 * Each run writes its own file under {@code OUT/_runs/}, so any number of processes can log at once
 * without sharing a file.
 */
public final class RunRecord {
    public static final String DIR = "_runs";
    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Instant start;
    private final String runId;

    /**
     * A record of a run of {@code job} that began at {@code start}: the job's start, before its plan, so that
     * {@code seconds} is the whole run (a record made once the plan is known would leave the plan out).
     */
    public RunRecord(String job, Map<String, Object> parameters, Instant start) {
        this.start = start;
        runId = FILE_TIME.format(start) + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        fields.put("run_id", runId);
        fields.put("job", job);
        fields.put("version", Version.get());
        fields.put("host", hostName());
        fields.put("parameters", parameters);
        fields.put("start", start.toString());
        fields.put("status", "running");
    }

    public RunRecord put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    /**
     * Writes the record as it stands, with status {@code running}: a run killed before it ends (kill -9, a node
     * lost) leaves this behind, so {@code sluice runs} shows it, with its start and no end.
     */
    public void start(Path outDir) {
        Json.writeAtomically(outDir.resolve(DIR).resolve(runId + ".json"), fields);
    }

    /** Fills end time, status, throughput and memory, then writes {@code OUT/_runs/<run_id>.json}. */
    public void finish(Path outDir, String status, MemoryMonitor memory, long rowsIn) {
        Instant end = Instant.now();
        double seconds = Math.max((end.toEpochMilli() - start.toEpochMilli()) / 1000.0, 1e-3);
        fields.put("end", end.toString());
        fields.put("seconds", seconds);
        fields.put("status", status);
        fields.put("rows_in", rowsIn);
        fields.put("rows_in_per_second", String.format(Locale.ROOT, "%.1f", rowsIn / seconds));
        fields.put("rss_start_bytes", memory.startBytes());
        fields.put("rss_peak_bytes", memory.peakBytes());
        fields.put("rss_final_bytes", MemoryMonitor.rss());
        fields.put("stages", memory.stageRecords());
        Json.writeAtomically(outDir.resolve(DIR).resolve(runId + ".json"), fields);
    }

    /**
     * Records a run that failed with {@code error}. Writing the record may fail too (the disk is full, say):
     * that failure is added to {@code error} as suppressed, since the first error is the one to show.
     */
    public void fail(Path outDir, Throwable error, MemoryMonitor memory) {
        fields.put("error", String.valueOf(error.getMessage()));
        try {
            finish(outDir, "failed", memory, 0);
        } catch (RuntimeException recordFailed) {
            error.addSuppressed(recordFailed);
        }
    }

    private static String hostName() {
        String name = ManagementFactory.getRuntimeMXBean().getName();
        int at = name.indexOf('@');
        return at >= 0 ? name.substring(at + 1) : name;
    }
}
