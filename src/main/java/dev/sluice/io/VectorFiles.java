package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Small array files other tools read: {@code .npy} (NumPy) and {@code .ivecs} (ANN-benchmarks ground truth). */
public final class VectorFiles {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VectorFiles() {}

    /** Starts a C-order .npy file of the given shape; {@code descr} is e.g. "<i4", "<f4", "|u1", "<i8". */
    public static OutputStream npyWriter(Path file, String descr, long... shape) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        out.write(NpyHeader.header(descr, shape));
        return out;
    }

    /** Writes {@code int32} rows, each preceded by its length, as .ivecs. */
    public static void writeIvecs(Path file, int[][] rows) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            for (int[] r : rows) {
                out.writeInt(Integer.reverseBytes(r.length));
                for (int v : r) {
                    out.writeInt(Integer.reverseBytes(v));
                }
            }
        }
    }

    /** Reads an .ivecs file (small: ground truth for the queries) into rows. */
    public static int[][] readIvecs(Path file) {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (m.byteSize() < 4) {
                throw SluiceException.input(file + " is empty; expected an .ivecs file of neighbour ids");
            }
            int k = m.get(I32, 0);
            long record = 4 + 4L * k;
            if (k <= 0 || m.byteSize() % record != 0) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "%s is not an .ivecs file of rows of %d ids: %d bytes is not a multiple of %d", file, k,
                        m.byteSize(), record));
            }
            int[][] rows = new int[(int) (m.byteSize() / record)][k];
            for (int r = 0; r < rows.length; r++) {
                if (m.get(I32, r * record) != k) {
                    throw SluiceException.input(file + ": row " + r + " has " + m.get(I32, r * record)
                            + " ids, the first has " + k);
                }
                MemorySegment.copy(m, I32, r * record + 4, rows[r], 0, k);
            }
            return rows;
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
