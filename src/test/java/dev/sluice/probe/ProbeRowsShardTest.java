package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.ShardSpec;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shard tasks of one probe-rows job, then merge: the same bytes as one process. */
class ProbeRowsShardTest {
    @TempDir
    Path tmp;

    private Cli.Run probe(Path out, String... extra) {
        return probe(Cli.flightsSample(), out, extra);
    }

    private static Cli.Run probe(Path input, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("probe-rows", "--input", input.toString(), "--key", "route",
                "--time", "date", "--buckets", "7", "--progress", "none", "--memory-limit", "512MB", "--out",
                out.toString()));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    @Test
    void threeTasksAndMergeEqualOneProcess() throws Exception {
        Path single = tmp.resolve("single");
        assertEquals(0, probe(single).code());
        Path tasks = tmp.resolve("tasks");
        for (int i = 2; i >= 0; i--) {
            Cli.Run r = probe(tasks, "--shard", i + "/3");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("when every task is done, run: sluice merge"), r.err());
            assertFalse(Files.exists(tasks.resolve("_manifest.json")), "no manifest before the merge");
        }
        Cli.Run merge = Cli.run("merge", tasks.toString());
        assertEquals(0, merge.code(), merge.toString());
        Cli.assertSameOutput(single, tasks, "between one process and three tasks + merge");
        assertEquals(0, Cli.run("inspect", tasks.toString()).code());
    }

    @Test
    void fourTasksReadOneSharedCopyOfTheMeasurements() throws Exception {
        Path single = tmp.resolve("single");
        assertEquals(0, probe(single).code());
        Path tasks = tmp.resolve("tasks");
        Path copy = tasks.resolve("_scratch/measurements.parquet");
        Cli.Run first = probe(tasks, "--shard", "3/4");
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.err().contains("wrote the measurements with their key ranks to " + copy), first.err());
        // As if the task that wrote it had been killed mid-write: the next task writes it anew, without the leftover.
        Files.delete(copy);
        Path leftover = tasks.resolve("_scratch/.measurements.parquet-1.tmp");
        Files.writeString(leftover, "half a copy");
        Cli.Run second = probe(tasks, "--shard", "2/4");
        assertEquals(0, second.code(), second.toString());
        assertTrue(second.err().contains("wrote the measurements with their key ranks"), second.err());
        assertFalse(Files.exists(leftover));
        for (int i = 1; i >= 0; i--) {
            Cli.Run r = probe(tasks, "--shard", i + "/4");
            assertEquals(0, r.code(), r.toString());
            assertFalse(r.err().contains("wrote the measurements"), "one copy serves every task: " + r.err());
        }
        assertTrue(Files.exists(copy));
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
        assertFalse(Files.exists(tasks.resolve("_scratch")), "the merge removes the copy");
        Cli.assertSameOutput(single, tasks, "between one process and four tasks + merge");
    }

    @Test
    void fourTasksOnTextTimesEqualOneProcess() throws Exception {
        // Times as text: the copy holds them parsed, as the single process's sort casts them.
        Path input = tmp.resolve("text-times.parquet");
        try (DuckSession d = new DuckSession(new DuckSession.Settings(256L << 20, 1, tmp.resolve("duck"), 1))) {
            d.execute("COPY (SELECT route, strftime(date, '%Y-%m-%d %H:%M:%S') AS date, delay, distance FROM "
                    + "read_parquet('" + Cli.flightsSample() + "')) TO '" + input + "'");
        }
        Path single = tmp.resolve("single");
        assertEquals(0, probe(input, single).code());
        Path tasks = tmp.resolve("tasks");
        for (int i = 0; i < 4; i++) {
            Cli.Run r = probe(input, tasks, "--shard", i + "/4");
            assertEquals(0, r.code(), r.toString());
            assertEquals(i == 0, r.err().contains("wrote the measurements with their key ranks"), r.err());
        }
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
        Cli.assertSameOutput(single, tasks, "between one process and four tasks + merge");
    }

    @Test
    void mergeNamesMissingUnitsAndStrayShards() throws Exception {
        Path tasks = tmp.resolve("tasks");
        assertEquals(0, probe(tasks, "--shard", "0/2").code());
        Cli.Run r = Cli.run("merge", tasks.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("3 of 7 unit(s) not committed: 1, 3, 5; they belong to shard task(s) 1 of 2: "
                + "rerun those with the same options (--shard I/2; on Slurm: SLUICE_SHARD_COUNT=2 sbatch --array=1 "),
                r.err());
        assertFalse(Files.exists(tasks.resolve("_manifest.json")));
        Cli.Run inspect = Cli.run("inspect", tasks.toString());
        assertEquals(3, inspect.code(), inspect.toString());
        assertTrue(inspect.out().contains("probe-rows output, not finished: 4 of 7 unit(s) committed"), inspect.out());

        assertEquals(0, probe(tasks, "--shard", "1/2").code());
        Files.copy(tasks.resolve("train/part-00000-00000.parquet"), tasks.resolve("train/part-00000-00001.parquet"));
        r = Cli.run("merge", tasks.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("shard train/part-00000-00001.parquet belongs to no committed unit"), r.err());
        Files.delete(tasks.resolve("train/part-00000-00001.parquet"));
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
    }

    @Test
    void mergeChecksShardSizesAndWithVerifyTheirChecksums() throws Exception {
        Path tasks = tmp.resolve("tasks");
        assertEquals(0, probe(tasks, "--shard", "0/2").code());
        assertEquals(0, probe(tasks, "--shard", "1/2").code());
        Path shard = tasks.resolve("train/part-00000-00000.parquet");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 1));
        Cli.Run r = Cli.run("merge", tasks.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("1 of 7 unit(s) not committed: 0"), r.err()); // a partial shard

        byte[] altered = bytes.clone();
        altered[bytes.length / 2] ^= 1;
        Files.write(shard, altered);
        r = Cli.run("merge", "--verify", tasks.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("unit 0: shard train/part-00000-00000.parquet has another checksum than its "
                + "record"), r.err());
        assertFalse(Files.exists(tasks.resolve("_manifest.json")));

        Files.write(shard, bytes);
        assertEquals(0, Cli.run("merge", "--verify", tasks.toString()).code());
        assertTrue(Files.exists(tasks.resolve("_manifest.json")));
    }

    @Test
    void aTaskLeavesTheTemporaryFilesOfOtherTasksAlone() throws Exception {
        Path tasks = tmp.resolve("tasks");
        assertEquals(0, probe(tasks, "--shard", "1/2").code());
        // Task 0 is "still writing" unit 2 while task 1 reruns: task 1 must not delete its files.
        Path others = Files.createDirectories(tasks.resolve("train")).resolve(".part-00002-00000.parquet.tmp");
        Files.writeString(others, "being written");
        Path mine = tasks.resolve("train/.part-00003-00000.parquet.tmp");
        Files.writeString(mine, "left by a killed attempt");
        assertEquals(0, probe(tasks, "--shard", "1/2").code());
        assertTrue(Files.exists(others), "another task's file survives");
        assertFalse(Files.exists(mine), "this task's leftover is removed");
    }

    @Test
    void shardComesFromTheSchedulersEnvironment() {
        assertEquals(new ShardSpec(3, 8), ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "3",
                "SLURM_ARRAY_TASK_COUNT", "8")));
        assertEquals(new ShardSpec(2, 4), ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "12",
                "SLURM_ARRAY_TASK_MIN", "10", "SLURM_ARRAY_TASK_MAX", "13")));
        // --array=0-30:2: ids 0, 2, ..., 30 are tasks 0 to 15 of 16, with or without the count.
        assertEquals(new ShardSpec(15, 16), ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "30",
                "SLURM_ARRAY_TASK_COUNT", "16", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "30",
                "SLURM_ARRAY_TASK_STEP", "2")));
        assertEquals(new ShardSpec(3, 4), ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "16",
                "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "16", "SLURM_ARRAY_TASK_STEP", "5")));
        // --array=0,2 numbers no tasks: 2 ids, but a range of 3.
        dev.sluice.engine.SluiceException gap = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sluice.engine.SluiceException.class, () -> ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID",
                        "2", "SLURM_ARRAY_TASK_COUNT", "2", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "2")));
        assertTrue(gap.getMessage().contains("set SLUICE_SHARD_COUNT=N"), gap.getMessage());
        assertEquals(new ShardSpec(5, 6), ShardSpec.resolve(null, Map.of("JOB_COMPLETION_INDEX", "5",
                "SLUICE_SHARD_COUNT", "6")));
        // A rerun of tasks 2 and 5 of 8 as an array of their own: SLUICE_SHARD_COUNT says N.
        assertEquals(new ShardSpec(5, 8), ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "5",
                "SLURM_ARRAY_TASK_COUNT", "2", "SLURM_ARRAY_TASK_MIN", "2", "SLUICE_SHARD_COUNT", "8")));
        assertEquals(new ShardSpec(1, 2), ShardSpec.resolve("1/2", Map.of("SLURM_ARRAY_TASK_ID", "3",
                "SLURM_ARRAY_TASK_COUNT", "8")), "the option wins");
        assertEquals(ShardSpec.WHOLE, ShardSpec.resolve(null, Map.of()));
        dev.sluice.engine.SluiceException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sluice.engine.SluiceException.class,
                () -> ShardSpec.resolve(null, Map.of("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "8")));
        assertEquals(dev.sluice.engine.SluiceException.Kind.USAGE, e.kind());
        Cli.Run bad = probe(tmp.resolve("x"), "--shard", "4/4");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("shard 4/4 is impossible"), bad.err());
        Cli.Run pack = Cli.run("pack", "--input", Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(),
                "--out", tmp.resolve("p").toString(), "--shard", "2/2", "--progress", "none");
        assertEquals(2, pack.code(), pack.toString());
        assertTrue(pack.err().contains("shard 2/2 is impossible"), "pack splits too, checked alike: " + pack.err());
    }
}
