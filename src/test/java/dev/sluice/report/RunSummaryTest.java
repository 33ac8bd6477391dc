package dev.sluice.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Run records as the report reads them: a killed run's, an older one's, eval's and pack's figures. */
class RunSummaryTest {
    @Test
    void aKilledRunHasItsStartAndNothingElse() {
        RunSummary r = RunSummary.of(Path.of("/o"), Map.of("run_id", "r1", "job", "probe-rows", "status", "running",
                "start", "2026-12-07T11:00:00.123Z", "parameters", Map.of()));
        assertEquals("running", r.status());
        assertEquals(0, r.rowsIn());
        assertNull(r.rowsOut());
        assertTrue(r.samples().isEmpty() && r.stages().isEmpty());
        assertTrue(Double.isNaN(r.peakShare()), "no budget recorded");
        assertFalse(r.hasThroughput());
        assertEquals("probe-rows 11:00:00", r.shortName());
    }

    @Test
    void stagesOfAnOlderRecordFollowEachOtherAndItsRateMayBeText() {
        RunSummary r = RunSummary.of(Path.of("/o"), Map.of("run_id", "r1", "job", "pack", "status", "ok",
                "rows_in_per_second", "12.5", "stages", List.of(
                        Map.of("stage", "plan", "seconds", 1.5, "rss_peak_bytes", 10),
                        Map.of("stage", "pack", "seconds", 2.0, "rss_peak_bytes", 20))));
        assertEquals(1.5, r.stages().get(1).startSeconds());
        assertNull(r.fates(), "no totals, no fates");
    }

    @Test
    void evalAndPackFiguresAreTyped() {
        RunSummary eval = RunSummary.of(Path.of("/o"), Map.of("run_id", "e", "job", "eval", "status", "ok",
                "k", 10, "recall_at_k", 0.9, "search_qps", 1234.5, "bytes_per_vector", 56,
                "method", Map.of("method", "rabitq", "dim", 384, "bits", 1, "code_bytes", 56),
                "parameters", Map.of("rerank", 100)));
        assertEquals(new RunSummary.Eval("rabitq bits=1 rerank=100", "rabitq+rerank", 10, 0.9, 1234.5, 56),
                eval.eval());
        RunSummary sq = RunSummary.of(Path.of("/o"), Map.of("run_id", "e", "job", "eval", "status", "ok",
                "recall_at_k", 0.99, "method", Map.of("method", "sq8", "bits", 8)));
        assertEquals("sq", sq.eval().family(), "sq8 and sq4: one family");
        assertEquals("sq8", sq.eval().method());
        RunSummary pack = RunSummary.of(Path.of("/o"), Map.of("run_id", "p", "job", "pack", "status", "ok",
                "parameters", Map.of("seq_len", 512), "totals", Map.of("documents_read", 100, "documents_kept", 60,
                        "duplicates_in_run", 5, "duplicates_of_store", 5, "too_short", 20, "too_long", 4,
                        "malformed_lines", 1, "missing_text", 5, "sequences", 3, "tokens_written", 1536)));
        assertEquals(new RunSummary.PackFates(100, 60, 10, 20, 4, 6, 3, 1536, 0, 512), pack.fates());
    }
}
