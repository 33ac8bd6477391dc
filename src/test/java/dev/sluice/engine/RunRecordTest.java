package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run record's JSON: the runtime's fields, the outcome and the job's figures, in snake case. */
class RunRecordTest {
    @TempDir
    Path tmp;

    record Figures(long keys, long arrowPeakBytes, Double sampleMse) {}

    @Test
    void startedThenFinishedRecordsHoldTheOutcomeAndTheFigures() throws Exception {
        try (MemoryMonitor memory = new MemoryMonitor()) {
            RunRecord r = new RunRecord("probe-rows", Map.of("seed", 0), Instant.now());
            r.start(tmp);
            Map<String, Object> started = only();
            assertEquals("running", started.get("status"));
            assertFalse(started.containsKey("end"));
            r.outcome(new RunRecord.Outcome(272, 4, 3, "0/1")).figures(new Figures(114, 1 << 20, null));
            r.finish(tmp, "ok", memory, 104_991);
            Map<String, Object> done = only();
            assertEquals("ok", done.get("status"));
            assertEquals(272, ((Number) done.get("rows_out")).intValue());
            assertEquals(3, ((Number) done.get("units_run")).intValue());
            assertEquals("0/1", done.get("shard"));
            assertEquals(1 << 20, ((Number) done.get("arrow_peak_bytes")).intValue());
            assertNull(done.get("sample_mse"));
            assertEquals(104_991, ((Number) done.get("rows_in")).intValue());
            assertEquals(started.get("run_id"), done.get("run_id"), "one file per run, rewritten");
        }
        assertEquals("encode_vectors_per_second", RunRecord.snakeCase("encodeVectorsPerSecond"));
    }

    private Map<String, Object> only() throws Exception {
        try (Stream<Path> s = Files.list(tmp.resolve(RunRecord.DIR))) {
            List<Path> files = s.filter(f -> f.getFileName().toString().endsWith(".json")
                    && !f.getFileName().toString().startsWith(".")).toList();
            assertEquals(1, files.size(), files.toString());
            return Json.read(files.get(0));
        }
    }
}
