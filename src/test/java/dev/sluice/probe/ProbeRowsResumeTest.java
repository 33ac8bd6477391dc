package dev.sluice.probe;

import dev.sluice.testing.KillTrials;
import dev.sluice.testing.ScaledFlights;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ten kill -9 trials at random points of probe-rows, each rerun giving the bytes of an uninterrupted run. */
class ProbeRowsResumeTest {
    static final int BUCKETS = 32;

    @TempDir
    Path tmp;

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = ScaledFlights.make(tmp, 30);
        KillTrials.run(tmp, (out, workers) -> List.of("probe-rows", "--input", input.toString(), "--key", "route",
                "--time", "date", "--buckets", String.valueOf(BUCKETS), "--workers", String.valueOf(workers),
                "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString()),
                BUCKETS, 10);
    }
}
