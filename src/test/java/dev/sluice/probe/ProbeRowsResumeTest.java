package dev.sluice.probe;

import dev.sluice.testing.KillResume;
import dev.sluice.testing.ScaledFlights;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random points of a run, then a rerun: the same bytes as a run that was never interrupted,
 * nothing lost, nothing duplicated, no temporary file left. Ten trials; the seed is printed on failure.
 */
class ProbeRowsResumeTest {
    static final int BUCKETS = 32;
    static final int TRIALS = 10;

    @TempDir
    Path tmp;

    private List<String> args(Path input, Path out, int workers) {
        return List.of("probe-rows", "--input", input.toString(), "--key", "route", "--time", "date", "--buckets",
                String.valueOf(BUCKETS), "--workers", String.valueOf(workers), "--progress", "none",
                "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString());
    }

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = ScaledFlights.make(tmp, 30);
        KillResume.trials(tmp, BUCKETS, TRIALS, "bucket(s)", (out, workers) -> args(input, out, workers));
    }
}
