package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compress as shard tasks, then merge: the same bytes as one process, whoever trains the codebook. */
class CompressShardTest {
    static final String BASE = TestData.embeddings("base.npy").toString();

    @TempDir
    Path tmp;

    private static Cli.Run compress(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("compress", "--input", BASE, "--method", "pq", "--m", "8",
                "--train-size", "1500", "--batch-size", "300", "--format", "npy", "--progress", "none",
                "--memory-limit", "512MB", "--out", out.toString()));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    private static void assertSameFiles(Path expected, Path got) throws Exception {
        TreeMap<String, byte[]> a = Cli.outputFiles(expected);
        TreeMap<String, byte[]> b = Cli.outputFiles(got);
        assertEquals(a.keySet(), b.keySet());
        // 9 units of 300 rows: 3 files each, a unit record each; codebook and manifest.
        assertEquals(9 * 4 + 2, a.size(), a.keySet().toString());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k + " differs between one process and shard tasks + merge");
        }
    }

    @Test
    void threeTasksTheFirstTrainingEqualOneProcess() throws Exception {
        Path single = tmp.resolve("single");
        assertEquals(0, compress(single, "--workers", "2").code());
        Path tasks = tmp.resolve("tasks");
        // Tasks 1 and 2 start first and wait for the codebook that task 0 trains.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Future<Cli.Run> t2 = threads.submit(() -> compress(tasks, "--shard", "2/3", "--workers", "1"));
        Future<Cli.Run> t1 = threads.submit(() -> compress(tasks, "--shard", "1/3", "--workers", "1"));
        threads.shutdown();
        Thread.sleep(1500);
        Cli.Run t0 = compress(tasks, "--shard", "0/3", "--workers", "1");
        assertEquals(0, t0.code(), t0.toString());
        assertTrue(t0.err().contains("compress: trained pq"), t0.err());
        for (Cli.Run r : List.of(t1.get(), t2.get())) {
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("waiting for the codebook"), r.err());
            assertTrue(r.err().contains("shard task") && r.err().contains("3 of 9 unit(s)"), r.err());
            assertTrue(r.err().contains("when every task is done, run: sluice merge"), r.err());
        }
        assertFalse(Files.exists(tasks.resolve("_manifest.json")), "no manifest before the merge");
        Cli.Run merge = Cli.run("merge", tasks.toString());
        assertEquals(0, merge.code(), merge.toString());
        assertTrue(merge.out().contains("merged 9 unit(s), 27 shard(s)"), merge.out());
        assertSameFiles(single, tasks);
        assertEquals(0, Cli.run("inspect", tasks.toString()).code());
    }

    @Test
    void trainOnlyThenTasksEqualOneProcess() throws Exception {
        Path single = tmp.resolve("single");
        assertEquals(0, compress(single).code());
        Path tasks = tmp.resolve("tasks");
        Cli.Run train = compress(tasks, "--train-only");
        assertEquals(0, train.code(), train.toString());
        assertTrue(Files.exists(tasks.resolve(Codebook.FILE)));
        assertFalse(Files.exists(tasks.resolve("codes")), "--train-only encodes nothing");
        for (int i : new int[] {3, 1, 0, 2}) {
            Cli.Run r = compress(tasks, "--shard", i + "/4");
            assertEquals(0, r.code(), r.toString());
            assertFalse(r.err().contains("compress: trained"), "only --train-only trains: " + r.err());
            if (i == 1) {
                Cli.Run early = Cli.run("merge", tasks.toString());
                assertEquals(3, early.code(), early.toString());
                // Tasks take runs of units here: 0 and 1 are task 0's, 4 and 5 task 2's.
                assertTrue(early.err().contains("4 of 9 unit(s) not committed: 0, 1, 4, 5; they belong to shard "
                        + "task(s) 0, 2 of 4: rerun those with the same options (--shard I/4; on Slurm: "
                        + "SLUICE_SHARD_COUNT=4 sbatch --array=0,2 "), early.err());
            }
        }
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
        assertSameFiles(single, tasks);
    }

    @Test
    void aTaskWithoutCodebookGivesUpWithAClearMessage() {
        Path tasks = tmp.resolve("tasks");
        Cli.Run r = compress(tasks, "--shard", "1/2", "--codebook-wait", "1");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("waited 1 s for") && r.err().contains("compress --train-only"), r.err());
        Cli.Run both = compress(tasks, "--shard", "0/2", "--train-only");
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("--train-only trains the one codebook of every shard task"), both.err());
        Cli.Run faiss = compress(tasks, "--shard", "0/2", "--faiss", tmp.resolve("x.faiss").toString());
        assertEquals(2, faiss.code(), faiss.toString());
    }
}
