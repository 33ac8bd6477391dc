package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.CodeShards;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a trained quantizer and its codes as a FAISS index file that {@code faiss.read_index} loads, in
 * FAISS's own binary layout ({@code impl/index_write.cpp}; little-endian, {@code size_t} as 8 bytes):
 * PQ as {@code IndexPQ} ("IxPq"), SQ8/SQ4 as {@code IndexScalarQuantizer} ("IxSQ", QT_8bit/QT_4bit,
 * range min-max), OPQ as {@code IndexPreTransform} ("IxPT") of a {@code LinearTransform} ("LTra", A = R)
 * over the IndexPQ. When ids are not the row numbers 0..n-1, the index is wrapped in {@code IndexIDMap}
 * ("IxMp") so FAISS returns the same ids. RaBitQ has no FAISS counterpart in the 1.7 format.
 */
public final class FaissExport {
    private static final int METRIC_L2 = 1;

    /** The {@code --method}s FAISS export writes; FAISS 1.7 has no RaBitQ index. */
    public static final List<String> METHODS = List.of("pq", "opq", "sq8", "sq4");

    private FaissExport() {}

    /**
     * Checks, before any work, that {@code --faiss file} can be written for {@code method}: a method FAISS has an
     * index for (else a usage error), and a file path in an existing directory (a usage error: the option names a
     * place that is not there, as a mistyped path does) that this process may write (a resource error, as a write
     * refused at the end would be).
     */
    public static void check(String method, Path file) {
        if (!METHODS.contains(method)) {
            throw SluiceException.usage("--faiss exports " + String.join(", ", METHODS) + "; FAISS 1.7 has no index for "
                    + "--method " + method + ": drop --faiss, or compress with one of those methods");
        }
        if (Files.isDirectory(file)) {
            throw SluiceException.usage("--faiss " + file + " is a directory; give the path of the index file to "
                    + "write, e.g. " + file.resolve("index.faiss"));
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw SluiceException.usage("--faiss " + file + ": the directory " + dir + (Files.exists(dir)
                    ? " is not a directory" : " does not exist") + "; create it first, or give a path in an existing "
                    + "directory");
        }
        if (!Files.isWritable(dir)) {
            throw SluiceException.resource("--faiss " + file + ": the directory " + dir + " is not writable by this "
                    + "user; give a path in a directory you can write", null);
        }
    }

    /** Exports {@code codes} (read twice: codes, then ids) for {@code q} into {@code file}. */
    public static void write(Quantizer q, long n, CodesSource codes, Path file) {
        if (!METHODS.contains(q.method())) {
            throw SluiceException.usage("--faiss exports " + String.join(", ", METHODS)
                    + "; FAISS 1.7 has no index for " + q.method());
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            Le out = new Le(raw);
            boolean sequential = idsAreRowNumbers(codes, q.codeBytes());
            int d = q.dim();
            if (!sequential) {
                out.fourcc("IxMp");
                header(out, d, n);
            }
            if (q instanceof OpqQuantizer opq) {
                out.fourcc("IxPT");
                header(out, d, n);
                out.i32(1);
                out.fourcc("LTra");
                out.bool(false);
                out.floats(opq.rotation().matrix);
                out.floats(new float[0]);
                out.i32(d);
                out.i32(d);
                out.bool(true);
                writePq(out, opq.pq(), n, codes);
            } else if (q instanceof ProductQuantizer pq) {
                writePq(out, pq, n, codes);
            } else if (q instanceof ScalarQuantizer sq) {
                out.fourcc("IxSQ");
                header(out, d, n);
                out.i32(sq.bits() == 8 ? 0 : 1);  // QT_8bit, QT_4bit
                out.i32(0);                       // RS_minmax
                out.f32(0f);                      // rangestat_arg
                out.u64(d);
                out.u64(sq.codeBytes());
                float[] trained = new float[2 * d];
                System.arraycopy(sq.vmin(), 0, trained, 0, d);
                System.arraycopy(sq.vdiff(), 0, trained, d, d);
                out.floats(trained);
                writeCodes(out, n, q.codeBytes(), codes);
            } else {
                throw new IllegalArgumentException(q.method());
            }
            if (!sequential) {
                out.u64(n);
                try (CodeShards.Reader r = codes.open()) {
                    CodeShards.Batch b = new CodeShards.Batch(65_536, q.codeBytes());
                    while (r.next(b)) {
                        for (int i = 0; i < b.rows; i++) {
                            out.i64(b.ids[i]);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        }
        try {
            dev.sluice.engine.Durable.rename(tmp, file);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        }
    }

    /** Opens the code shards, once per pass. */
    @FunctionalInterface
    public interface CodesSource {
        CodeShards.Reader open();
    }

    private static boolean idsAreRowNumbers(CodesSource codes, int codeBytes) {
        long row = 0;
        try (CodeShards.Reader r = codes.open()) {
            CodeShards.Batch b = new CodeShards.Batch(65_536, codeBytes);
            while (r.next(b)) {
                for (int i = 0; i < b.rows; i++, row++) {
                    if (b.ids[i] != row) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static void writePq(Le out, ProductQuantizer pq, long n, CodesSource codes) throws IOException {
        out.fourcc("IxPq");
        header(out, pq.dim(), n);
        out.u64(pq.dim());
        out.u64(pq.m());
        out.u64(pq.nbits());
        out.floats(pq.centroids());
        writeCodes(out, n, pq.codeBytes(), codes);
        out.i32(0);        // search_type ST_PQ
        out.bool(false);   // encode_signs
        out.i32(pq.m() * pq.nbits() + 1);  // polysemous_ht: FAISS's default; unused by ST_PQ
    }

    private static void writeCodes(Le out, long n, int codeBytes, CodesSource codes) throws IOException {
        out.u64(n * codeBytes);
        long written = 0;
        try (CodeShards.Reader r = codes.open()) {
            CodeShards.Batch b = new CodeShards.Batch(65_536, codeBytes);
            while (r.next(b)) {
                out.raw.write(b.codes, 0, b.rows * codeBytes);
                written += b.rows;
            }
        }
        if (written != n) {
            throw SluiceException.internal("FAISS export: " + written + " codes read, " + n + " expected", null);
        }
    }

    /** Index header: d (int32), ntotal, two unused int64, is_trained (1 byte), metric (int32). */
    private static void header(Le out, int d, long n) throws IOException {
        out.i32(d);
        out.i64(n);
        out.i64(1L << 20);
        out.i64(1L << 20);
        out.bool(true);
        out.i32(METRIC_L2);
    }

    /** Little-endian writes. */
    private static final class Le {
        final OutputStream raw;
        final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Le(OutputStream raw) {
            this.raw = raw;
        }

        void fourcc(String s) throws IOException {
            raw.write(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }

        void i32(int v) throws IOException {
            raw.write(buf.clear().putInt(v).array(), 0, 4);
        }

        void f32(float v) throws IOException {
            raw.write(buf.clear().putFloat(v).array(), 0, 4);
        }

        void i64(long v) throws IOException {
            raw.write(buf.clear().putLong(v).array(), 0, 8);
        }

        void u64(long v) throws IOException {
            i64(v);
        }

        void bool(boolean v) throws IOException {
            raw.write(v ? 1 : 0);
        }

        void floats(float[] v) throws IOException {
            u64(v.length);
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            raw.write(b.array());
        }
    }
}
