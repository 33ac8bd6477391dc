package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.TestData;
import dev.sluice.io.VectorFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our FAISS export loaded by real FAISS ({@code /usr/bin/python3} with Debian's python3-faiss): FAISS's search
 * over our file returns the same neighbours as {@code sluice search} over our codes.
 */
class FaissInteropTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static String missing;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findFaiss() throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            missing = "no /usr/bin/python3";
            return;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import faiss, numpy").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            missing = "python3 cannot import faiss and numpy (apt-get install python3-faiss python3-numpy): " + out;
        }
    }

    static int[][] faissSearch(Path index, Path queries, int k, Path out) throws Exception {
        Path script = TestData.project().resolve("scripts/faiss/search.py");
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), index.toString(), queries.toString(),
                Integer.toString(k), out.toString(), "1").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "FAISS search timed out");
        assertEquals(0, p.exitValue(), "FAISS could not load or search " + index + ":\n" + log);
        return VectorFiles.readIvecs(out);
    }

    void compareWithFaiss(String input, List<String> compressArgs, String expectedClass) throws Exception {
        Path codes = tmp.resolve("codes");
        Path index = tmp.resolve("index.faiss");
        List<String> args = new ArrayList<>(List.of("compress", "--input", input, "--out", codes.toString(),
                "--faiss", index.toString(), "--train-size", "2000"));
        args.addAll(compressArgs);
        CompressJobTest.ok(CompressJobTest.sluice(args.toArray(String[]::new)));
        Path queries = TestData.embeddings("queries.npy");
        Path ours = tmp.resolve("ours.ivecs");
        CompressJobTest.ok(CompressJobTest.sluice("search", "--codes", codes.toString(), "--queries",
                queries.toString(), "--k", "10", "--out", ours.toString()));
        int[][] a = VectorFiles.readIvecs(ours);
        int[][] f = faissSearch(index, queries, 10, tmp.resolve("faiss.ivecs"));
        assertEquals(a.length, f.length);
        int sameRank = 0, total = 0;
        for (int q = 0; q < a.length; q++) {
            for (int r = 0; r < 10; r++) {
                total++;
                if (a[q][r] == f[q][r]) {
                    sameRank++;
                }
            }
        }
        // Both sum the same float terms; only the order of additions may differ, which can swap exact ties.
        assertTrue(sameRank >= 0.995 * total, expectedClass + ": " + sameRank + " of " + total
                + " neighbours at the same rank");
    }

    @ParameterizedTest
    @CsvSource({"pq,--m,16,IndexPQ", "pq,--nbits,4,IndexPQ", "opq,--m,8,IndexPreTransform",
            "sq8,--m,16,IndexScalarQuantizer", "sq4,--m,16,IndexScalarQuantizer"})
    void faissFindsTheSameNeighbours(String method, String opt, String val, String cls) throws Exception {
        assumeTrue(missing == null, () -> "FAISS interop not tested: " + missing);
        compareWithFaiss(TestData.embeddings("base.npy").toString(), List.of("--method", method, opt, val), cls);
    }

    @Test
    void idsFromAnIdColumnSurviveTheExport() throws Exception {
        assumeTrue(missing == null, () -> "FAISS interop not tested: " + missing);
        // 1,200 sample vectors as a Parquet blob column with ids 5000, 5003, 5006, ...
        Path parquet = tmp.resolve("base.parquet");
        float[] base = Samples.BASE;
        try (var duck = TestData.duck(tmp); Connection c = duck.connection()) {
            c.createStatement().execute("CREATE TABLE b (id BIGINT, emb BLOB)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO b VALUES (?, ?)")) {
                for (int i = 0; i < 1200; i++) {
                    ByteBuffer bb = ByteBuffer.allocate(384 * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bb.asFloatBuffer().put(base, i * 384, 384);
                    ps.setLong(1, 5000 + 3L * i);
                    ps.setBytes(2, bb.array());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.createStatement().execute("COPY (SELECT * FROM b ORDER BY id) TO '" + parquet + "' (FORMAT parquet)");
        }
        compareWithFaiss(parquet.toString(), List.of("--method", "sq8", "--column", "emb", "--id-column", "id"),
                "IndexIDMap");
        int[][] f = VectorFiles.readIvecs(tmp.resolve("faiss.ivecs"));
        assertTrue(f[0][0] >= 5000 && (f[0][0] - 5000) % 3 == 0, "FAISS returned id " + f[0][0]);
    }
}
