package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.engine.DuckSession;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compress killed with SIGKILL at random points (while sampling, training or encoding), then rerun: the same
 * bytes as a run never interrupted, nothing lost or duplicated, no temporary file left. Ten trials; the seed is
 * printed on failure. And a second run on the same output while the first holds it is refused.
 */
class CompressResumeTest {
    static final int COPIES = 6;
    static final int UNITS = 40;
    static final int TRIALS = 10;

    @TempDir
    Path tmp;

    /** The MiniLM sample repeated {@code copies} times: 15,000 vectors, enough units to kill between. */
    static Path repeatedSample(Path dir, int copies) throws Exception {
        byte[] npy = Files.readAllBytes(TestData.embeddings("base.npy"));
        int headerLen = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xFFFF;
        String header = new String(npy, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(header.contains("(2500, 384)"), header);
        String dict = header.strip().replace("(2500, 384)", "(" + 2500 * copies + ", 384)");
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        byte[] h = (dict + " ".repeat(pad) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path file = dir.resolve("repeated.npy");
        try (var out = Files.newOutputStream(file)) {
            out.write(npy, 0, 8);
            out.write(new byte[] {(byte) h.length, (byte) (h.length >> 8)});
            out.write(h);
            for (int i = 0; i < copies; i++) {
                out.write(npy, 10 + headerLen, npy.length - 10 - headerLen);
            }
        }
        return file;
    }

    /** The same vectors as Parquet ({@code id}, {@code embedding FLOAT[384]}) in row groups of 1,000 rows. */
    static Path asParquet(Path npy, Path dir) throws Exception {
        Path file = dir.resolve("repeated.parquet");
        try (DuckSession duck = TestData.duck(dir.resolve("to-parquet"));
             BufferAllocator alloc = new RootAllocator(64L << 20);
             VectorReader r = VectorReaders.open(npy.toString(), null, null, duck, alloc);
             Connection c = duck.connection(); Statement st = c.createStatement()) {
            int dim = r.dim();
            st.execute("CREATE TABLE v (id BIGINT, embedding FLOAT[" + dim + "])");
            try (DuckDBAppender a = c.unwrap(DuckDBConnection.class).createAppender("v")) {
                VectorBatch b = r.newBatch(1000);
                float[] vec = new float[dim];
                while (r.next(b)) {
                    for (int i = 0; i < b.rows; i++) {
                        System.arraycopy(b.data, i * dim, vec, 0, dim);
                        a.beginRow().append(b.ids[i]).append(vec).endRow();
                    }
                }
            }
            st.execute("COPY (SELECT * FROM v ORDER BY id) TO '" + file + "' (FORMAT parquet, ROW_GROUP_SIZE 1000)");
        }
        return file;
    }

    private List<String> args(Path input, Path out, int workers) {
        return List.of("compress", "--input", input.toString(), "--method", "pq", "--m", "16", "--train-size",
                "2000", "--batch-size", String.valueOf(2500 * COPIES / UNITS), "--workers", String.valueOf(workers),
                "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString());
    }

    @Test
    void killedRunsResumeToTheSameOutput() throws Exception {
        Path input = repeatedSample(tmp, COPIES);
        TreeMap<String, byte[]> files = KillResume.trials(tmp, UNITS, TRIALS, "unit(s)",
                (out, workers) -> args(input, out, workers));
        assertEquals(2 * UNITS + 2, files.size(), "a shard and a unit record per unit; codebook, manifest");
    }

    /**
     * The same for shard task 0 of 2 reading Parquet: a rerun skips its committed units without reading them and
     * starts a query at the next row it needs (see {@code ParquetVectorReader.skip}).
     */
    @Test
    void killedShardTaskOnParquetResumesToTheSameOutput() throws Exception {
        Path input = asParquet(repeatedSample(tmp, COPIES), tmp);
        Path trials = Files.createDirectories(tmp.resolve("task"));
        KillResume.trials(trials, UNITS / 2, TRIALS, "unit(s)", (out, workers) -> {
            List<String> a = new ArrayList<>(args(input, out, workers));
            a.addAll(List.of("--column", "embedding", "--shard", "0/2"));
            return a;
        });
    }

    @Test
    void aSecondRunOnTheSameOutputIsRefused() throws Exception {
        Path input = repeatedSample(tmp, COPIES);
        Path out = tmp.resolve("out");
        Process p = Cli.childJvm("256m", args(input, out, 1)).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        // The plan is written under the lock; the first run is then still sampling or training.
        while (!Files.exists(out.resolve("_plan.json")) && p.isAlive()) {
            Thread.sleep(1);
        }
        Cli.Run second = Cli.run(args(input, out, 1).toArray(String[]::new));
        boolean firstStillRunning = p.isAlive();
        assertEquals(0, p.waitFor(), Files.readString(tmp.resolve("child.log")));
        assertTrue(firstStillRunning, "the first run ended before the second started; the test proves nothing");
        assertEquals(2, second.code(), second.toString());
        assertTrue(second.err().contains("another sluice run is writing to " + out), second.err());
        Cli.Run task = Cli.run(args(input, out, 1).toArray(String[]::new));
        assertEquals(0, task.code(), "the output is whole and a rerun after the first finishes is fine: " + task);
        assertTrue(dev.sluice.shard.Manifest.verify(out).isEmpty(), dev.sluice.shard.Manifest.verify(out).toString());
    }
}
