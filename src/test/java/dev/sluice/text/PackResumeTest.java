package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import java.nio.file.Files;
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

    /** SIGTERM, as a Slurm time limit or a pod eviction sends it: the log says what happened and what to do. */
    @Test
    void terminatedRunSaysHowToResume() throws Exception {
        Path input = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
        Path out = tmp.resolve("terminated");
        List<String> args = List.of("pack", "--input", input.toString(), "--seq-len", "256", "--unit-docs", "300",
                "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString());
        Path log = tmp.resolve("child.log");
        Process p = Cli.childJvm("256m", args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.isDirectory(out.resolve("_units")) && p.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        String said = Files.readString(log);
        assertEquals(143, p.exitValue(), said);
        assertTrue(said.contains("sluice pack: stopped by a signal before it finished (a time limit, preemption or "
                + "Ctrl-C); the units it committed are kept: run the same command again to resume"), said);
        Cli.Run rerun = Cli.run(args.toArray(String[]::new));
        assertEquals(0, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("resuming:"), rerun.err());
    }
}
