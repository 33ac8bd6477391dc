package dev.sluice.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every vector format reads the same values in the same order, in batches; bad input is a clear error. */
class VectorReadersTest {
    static final int N = 1000;
    static final int DIM = 7;

    @TempDir
    Path tmp;
    DuckSession duck;
    BufferAllocator alloc;

    @BeforeEach
    void open() {
        duck = TestData.duck(tmp);
        alloc = new RootAllocator(256L << 20);
    }

    @AfterEach
    void close() {
        alloc.close();
        duck.close();
    }

    VectorReader open(Path p, String column, String id) {
        return VectorReaders.open(p.toString(), column, id, duck, alloc);
    }

    /** Reads everything in batches of 333 and checks values v[i][j] = i + j/100 and ids. */
    static void checkGrid(VectorReader r, long idOffset) {
        assertEquals(DIM, r.dim());
        assertEquals(N, r.count());
        for (int pass = 0; pass < 2; pass++) {
            r.rewind();
            VectorBatch b = r.newBatch(333);
            long seen = 0;
            while (r.next(b)) {
                assertEquals(seen, b.firstRow);
                for (int i = 0; i < b.rows; i++) {
                    long row = seen + i;
                    assertEquals(row + idOffset, b.ids[i], "id of row " + row);
                    for (int j = 0; j < DIM; j++) {
                        assertEquals(row + j / 100f, b.data[i * DIM + j], 1e-3, "row " + row + " dim " + j);
                    }
                }
                seen += b.rows;
            }
            assertEquals(N, seen);
            assertFalse(r.next(b));
        }
    }

    @Test
    void npyFloat32() throws Exception {
        Path f = tmp.resolve("v.npy");
        TestData.writeNpy(f, TestData.grid(N, DIM));
        try (VectorReader r = open(f, null, null)) {
            checkGrid(r, 0);
        }
    }

    @Test
    void npyFloat16() throws Exception {
        Path f = tmp.resolve("h.npy");
        float[][] g = TestData.grid(N, DIM);
        byte[] header = NpyHeader.header("<f2", N, DIM);
        ByteBuffer b = ByteBuffer.allocate(header.length + N * DIM * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        for (float[] row : g) {
            for (float v : row) {
                b.putShort(Float.floatToFloat16(v));
            }
        }
        Files.write(f, b.array());
        try (VectorReader r = open(f, null, null)) {
            assertEquals(N, r.count());
            VectorBatch batch = r.newBatch(N);
            assertTrue(r.next(batch));
            // float16 keeps 11 significant bits: 999.06 is stored as 999.0
            assertEquals(999.06f, batch.data[999 * DIM + 6], 0.5f);
            assertEquals(0.06f, batch.data[6], 1e-4f);
        }
    }

    @Test
    void fvecsAndBvecs() throws Exception {
        Path f = tmp.resolve("v.fvecs");
        TestData.writeFvecs(f, TestData.grid(N, DIM));
        try (VectorReader r = open(f, null, null)) {
            checkGrid(r, 0);
        }
        Path bv = tmp.resolve("v.bvecs");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(bv))) {
            for (int i = 0; i < 3; i++) {
                out.writeInt(Integer.reverseBytes(4));
                out.write(new byte[] {(byte) i, 1, (byte) 200, (byte) 255});
            }
        }
        try (VectorReader r = open(bv, null, null)) {
            VectorBatch b = r.newBatch(10);
            assertTrue(r.next(b));
            assertEquals(3, b.rows);
            assertEquals(255f, b.data[2 * 4 + 3]);
            assertEquals(200f, b.data[4 + 2]);
            assertEquals(2f, b.data[8]);
        }
    }

    void sql(String s) throws Exception {
        try (Connection c = duck.connection(); Statement st = c.createStatement()) {
            st.execute(s);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"FLOAT[]", "FLOAT[7]", "DOUBLE[]"})
    void parquetListAndArrayColumns(String type) throws Exception {
        Path f = tmp.resolve("v.parquet");
        sql("COPY (SELECT i + 100 AS id, CAST(list_transform(range(7), j -> i + j / 100) AS " + type + ") AS emb "
                + "FROM range(" + N + ") t(i) ORDER BY i) TO '" + f + "' (FORMAT parquet, ROW_GROUP_SIZE 300)");
        try (VectorReader r = open(f, "emb", "id")) {
            checkGrid(r, 100);
        }
        try (VectorReader r = open(f, "emb", null)) {
            checkGrid(r, 0);
        }
    }

    /**
     * Skipped rows are not read: the next read starts a query at its row, also in a later file of a glob and
     * inside a row group. Rows, ids and values must be those of a plain sequential read.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void parquetSkipsAcrossFilesToTheRightRows(int firstOwned) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("parts"));
        int[] bounds = {0, 430, 450, N}; // files of 430, 20 and 550 rows, the middle one shorter than a batch
        for (int f = 0; f + 1 < bounds.length; f++) {
            sql("COPY (SELECT i + 100 AS id, CAST(list_transform(range(7), j -> i + j / 100) AS FLOAT[]) AS emb "
                    + "FROM range(" + bounds[f] + ", " + bounds[f + 1] + ") t(i) ORDER BY i) TO '"
                    + dir.resolve("part-" + f + ".parquet") + "' (FORMAT parquet, ROW_GROUP_SIZE 128)");
        }
        try (VectorReader r = VectorReaders.open(dir.resolve("part-*.parquet").toString(), "emb", null, duck, alloc)) {
            assertEquals(N, r.count());
            VectorBatch b = r.newBatch(100);
            long row = 0;
            // Units of 100 rows: read every third from firstOwned on (as a shard task would), skip the others.
            for (int unit = 0; unit < 10; unit++) {
                boolean read = unit >= firstOwned && (unit - firstOwned) % 3 == 0;
                assertTrue(read ? r.next(b) : r.skip(b), "unit " + unit);
                assertEquals(row, b.firstRow);
                assertEquals(100, b.rows);
                if (read) {
                    for (int i = 0; i < b.rows; i++) {
                        assertEquals(row + i, b.ids[i], "id of row " + (row + i));
                        assertEquals(row + i + 0.06f, b.data[i * DIM + 6], 1e-3, "row " + (row + i));
                    }
                }
                row += b.rows;
            }
            assertFalse(r.next(b));
            checkGrid(r, 0); // and a rewind reads everything again
        }
    }

    @Test
    void parquetBlobOfFloat32() throws Exception {
        Path f = tmp.resolve("b.parquet");
        sql("CREATE TABLE blobs (id INTEGER, emb BLOB)");
        float[][] g = TestData.grid(N, DIM);
        try (Connection c = duck.connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
            for (int i = 0; i < N; i++) {
                ByteBuffer b = ByteBuffer.allocate(DIM * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : g[i]) {
                    b.putFloat(v);
                }
                ps.setInt(1, i + 5);
                ps.setBytes(2, b.array());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        sql("COPY (SELECT * FROM blobs ORDER BY id) TO '" + f + "' (FORMAT parquet)");
        try (VectorReader r = open(f, "emb", "id")) {
            checkGrid(r, 5);
        }
    }

    static SluiceException inputError(Runnable r) {
        SluiceException e = assertThrows(SluiceException.class, r::run);
        assertEquals(SluiceException.Kind.INPUT, e.kind(), e.getMessage());
        return e;
    }

    void readAll(Path f, String col) {
        try (VectorReader r = open(f, col, null)) {
            VectorBatch b = r.newBatch(64);
            while (r.next(b)) {
                // drain
            }
        }
    }

    @Test
    void raggedInputIsAnError() throws Exception {
        Path f = tmp.resolve("r.parquet");
        sql("COPY (SELECT CAST(list_transform(range(CASE WHEN i = 500 THEN 6 ELSE 7 END), j -> j) AS FLOAT[]) AS emb "
                + "FROM range(" + N + ") t(i) ORDER BY i) TO '" + f + "' (FORMAT parquet)");
        String m = inputError(() -> readAll(f, "emb")).getMessage();
        assertTrue(m.contains("row 500") && m.contains("6 values") && m.contains("ragged"), m);

        Path fv = tmp.resolve("r.fvecs");
        TestData.writeFvecs(fv, new float[][] {{1, 2, 3}, {1, 2}, {1, 2, 3, 4}});
        String m2 = inputError(() -> readAll(fv, null)).getMessage();
        assertTrue(m2.contains("ragged") && m2.contains(fv.toString()), m2);
    }

    @Test
    void nanAndInfinityAreErrors() throws Exception {
        float[][] g = TestData.grid(10, 3);
        g[7][2] = Float.NaN;
        Path f = tmp.resolve("nan.npy");
        TestData.writeNpy(f, g);
        String m = inputError(() -> readAll(f, null)).getMessage();
        assertTrue(m.contains("row 7") && m.contains("NaN") && m.contains("dimension 2"), m);
        Path p = tmp.resolve("inf.parquet");
        sql("COPY (SELECT [1.0, 'inf'::FLOAT]::FLOAT[] AS emb) TO '" + p + "' (FORMAT parquet)");
        String m2 = inputError(() -> readAll(p, "emb")).getMessage();
        assertTrue(m2.contains("Infinity"), m2);
    }

    @Test
    void wrongColumnTypeMissingColumnAndEmptyInput() throws Exception {
        Path f = tmp.resolve("t.parquet");
        sql("COPY (SELECT 'abc' AS emb, 1 AS id) TO '" + f + "' (FORMAT parquet)");
        String m = inputError(() -> readAll(f, "emb")).getMessage();
        assertTrue(m.contains("VARCHAR") && m.contains("expected a list or array of floats"), m);
        String m2 = inputError(() -> readAll(f, "vec")).getMessage();
        assertTrue(m2.contains("'vec' not found") && m2.contains("emb"), m2);
        Path e = tmp.resolve("e.parquet");
        sql("COPY (SELECT [1.0]::FLOAT[] AS emb LIMIT 0) TO '" + e + "' (FORMAT parquet)");
        assertTrue(inputError(() -> readAll(e, "emb")).getMessage().contains("no rows"));
        Path z = tmp.resolve("z.npy");
        Files.write(z, new byte[0]);
        assertTrue(inputError(() -> readAll(z, null)).getMessage().contains("empty"));
        Path notNpy = tmp.resolve("x.npy");
        Files.writeString(notNpy, "hello world, not numpy");
        assertTrue(inputError(() -> readAll(notNpy, null)).getMessage().contains("not a .npy"));
    }

    @Test
    void realSampleHasUnitNormEmbeddings() {
        try (VectorReader r = open(TestData.embeddings("base.npy"), null, null)) {
            assertEquals(384, r.dim());
            assertEquals(2500, r.count());
            VectorBatch b = r.newBatch(2500);
            assertTrue(r.next(b));
            // MiniLM embeddings are L2-normalised
            for (int i = 0; i < b.rows; i += 97) {
                double n = 0;
                for (int j = 0; j < 384; j++) {
                    n += b.data[i * 384 + j] * b.data[i * 384 + j];
                }
                assertEquals(1.0, n, 1e-3, "row " + i);
            }
        }
    }
}
