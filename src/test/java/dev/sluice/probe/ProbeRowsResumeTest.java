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

    /**
     * The same for shard task 1 of 4, whose kills also land while it plans under the planning lock and while it
     * writes the tasks' shared copy of the measurements; its 8 buckets must come out as an uninterrupted task's.
     */
    @Test
    void killedShardTasksResumeToTheSameOutput() throws Exception {
        Path input = ScaledFlights.make(tmp, 30);
        Path trials = java.nio.file.Files.createDirectories(tmp.resolve("task"));
        KillResume.trials(trials, BUCKETS / 4, TRIALS, "bucket(s)", (out, workers) -> {
            List<String> a = new java.util.ArrayList<>(args(input, out, workers));
            a.addAll(List.of("--shard", "1/4"));
            return a;
        });
    }
}
