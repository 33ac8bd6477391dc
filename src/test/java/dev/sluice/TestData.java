package dev.sluice;

import dev.sluice.engine.DuckSession;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths to data-samples and small writers of vector files for tests. */
public final class TestData {
    private TestData() {}

    public static Path project() {
        return Path.of(System.getProperty("sluice.project.dir", "."));
    }

    /** data-samples/embeddings: 2,500 MiniLM fortunes (base.npy) and 300 license paragraphs (queries.npy). */
    public static Path embeddings(String name) {
        return project().resolve("data-samples/embeddings").resolve(name);
    }

    public static DuckSession duck(Path tmp) {
        return new DuckSession(new DuckSession.Settings(512L << 20, 2, tmp.resolve("duck"), 4));
    }

    /** A float32 .npy of the given rows. */
    public static void writeNpy(Path file, float[][] rows) throws IOException {
        int dim = rows[0].length;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.length + ", " + dim + "), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String h = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + rows.length * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 1).put((byte) 0).putShort((short) h.length())
                .put(h.getBytes());
        for (float[] r : rows) {
            for (float v : r) {
                b.putFloat(v);
            }
        }
        Files.write(file, b.array());
    }

    /** An .fvecs file; rows may differ in length (to make ragged input). */
    public static void writeFvecs(Path file, float[][] rows) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            for (float[] r : rows) {
                out.writeInt(Integer.reverseBytes(r.length));
                for (float v : r) {
                    out.writeInt(Integer.reverseBytes(Float.floatToIntBits(v)));
                }
            }
        }
    }

    /** Rows {@code v[i][j] = i + j / 100}: every value tells where it came from. */
    public static float[][] grid(int n, int dim) {
        float[][] rows = new float[n][dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                rows[i][j] = i + j / 100f;
            }
        }
        return rows;
    }
}
