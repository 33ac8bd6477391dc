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
 * Ten kill -9 trials at random points of pack over the text sample (units of 300 documents, so there are many
 * to be killed between), each rerun giving the bytes of an uninterrupted run: the rerun reads the input again
 * and skips the units already committed without tokenizing them.
 */
class PackResumeTest {
    /** 15,645 documents in units of 300. */
    static final int UNITS = 53;

    @TempDir
    Path tmp;

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
        TreeMap<String, byte[]> files = KillResume.trials(tmp, UNITS, 10, "unit(s)", (out, workers) -> List.of(
                "pack", "--input", input.toString(), "--seq-len", "256", "--unit-docs", "300", "--shard-size", "1MB",
                "--dedup", "exact",
                "--workers", String.valueOf(workers), "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
        assertEquals(2 * UNITS + 2, files.size(),
                "a shard (all under --shard-size) and a unit record per unit; the manifest and " + PackJob.UNITS_FILE);
    }
}
