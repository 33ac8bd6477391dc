package dev.sluice.text;

import dev.sluice.testing.Cli;
import dev.sluice.testing.KillTrials;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten kill -9 trials at random points of pack over the text sample (small shards, so there are many units
 * to be killed between), each rerun giving the bytes of an uninterrupted run: the rerun reads the input
 * again and skips the shards already committed.
 */
class PackResumeTest {
    @TempDir
    Path tmp;

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
        KillTrials.run(tmp, (out, workers) -> List.of("pack", "--input", input.toString(), "--seq-len", "256",
                "--shard-size", "128KB", "--dedup", "exact", "--workers", String.valueOf(workers), "--progress", "none",
                "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString()), 55, 10);
    }
}
