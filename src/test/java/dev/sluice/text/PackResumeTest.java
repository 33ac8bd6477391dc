package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten kill -9 trials at random points of pack over the text sample (small shards, so there are many units
 * to be killed between), each rerun giving the bytes of an uninterrupted run: the rerun reads the input
 * again and skips the shards already committed.
 */
class PackResumeTest {
    static final int SHARDS = 55;

    @TempDir
    Path tmp;

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
        TreeMap<String, byte[]> files = KillResume.trials(tmp, SHARDS, 10, "shard(s)", (out, workers) -> List.of(
                "pack", "--input", input.toString(), "--seq-len", "256", "--shard-size", "128KB", "--dedup", "exact",
                "--workers", String.valueOf(workers), "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
        assertEquals(2 * SHARDS + 1, files.size(), "a shard and a unit record per unit; the manifest");
    }
}
