package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The codebook file {@code codebook.sluiceq}: everything needed to decode and search the codes.
 *
 * <pre>
 * magic      8 bytes  "SLUICEQ1"
 * method     Java modified UTF-8 (2-byte length, then bytes): pq | opq | sq8 | sq4 | rabitq | saq
 * dim        int32
 * body       per method, below
 * end        8 bytes  "SLUICEQE"
 *
 * pq:     m int32, nbits int32, centroids f32[m * 2^nbits * dim/m] (sub-space, centroid, value)
 * opq:    rotation f32[dim * dim] (row-major R; codes are PQ codes of R x), then the pq body
 * sq8/4:  vmin f32[dim], vdiff f32[dim] (value = vmin + (code + 0.5) / (2^bits - 1) * vdiff)
 * rabitq: bits int32, centroid f32[dim], then the rotation: int32 -4 and f32[4 * dim] (the signs of a
 *         {@link HadamardRotation}), or f32[dim * dim] (a dense row-major rotation, as earlier codebooks hold)
 * saq:    bits int32, segments int32, per segment (dims int32, bits int32) in PCA order, centroid f32[dim],
 *         matrix f32[coded * dim] (coded = dims of the segments with bits; row-major, segment rotation x PCA rows)
 * f32[n]: int32 n, then n float32
 * </pre>
 * All numbers are big-endian (Java's DataOutput; numpy reads them as {@code '>i4'} and {@code '>f4'}).
 */
public final class Codebook {
    public static final String FILE = "codebook.sluiceq";
    private static final byte[] MAGIC = "SLUICEQ1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] END = "SLUICEQE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Codebook() {}

    public static void write(Quantizer q, Path file) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.write(MAGIC);
            out.writeUTF(q.method());
            out.writeInt(q.dim());
            q.writeBody(out);
            out.write(END);
        }
        dev.sluice.engine.Durable.rename(tmp, file);
    }

    public static Quantizer read(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] magic = in.readNBytes(8);
            if (!Arrays.equals(magic, MAGIC)) {
                throw SluiceException.input(file + " is not a sluice codebook (no SLUICEQ1 magic)");
            }
            String method = in.readUTF();
            int dim = in.readInt();
            Quantizer q = switch (method) {
                case "pq" -> ProductQuantizer.readBody(in, dim);
                case "opq" -> OpqQuantizer.readBody(in, dim);
                case "sq8", "sq4" -> ScalarQuantizer.readBody(in, dim, method);
                case "rabitq" -> RaBitQuantizer.readBody(in, dim);
                case "saq" -> SaqQuantizer.readBody(in, dim);
                default -> throw SluiceException.input(file + " holds an unknown method '" + method + "'");
            };
            if (!Arrays.equals(in.readNBytes(8), END)) {
                throw SluiceException.input(file + " is truncated or corrupt (no end marker)");
            }
            return q;
        } catch (EOFException e) {
            throw SluiceException.input(file + " is truncated", e);
        } catch (IOException e) {
            throw SluiceException.input("cannot read codebook " + file + ": " + e.getMessage(), e);
        }
    }

    static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    static float[] readFloats(DataInputStream in, int expected) throws IOException {
        return readFloats(in, in.readInt(), expected);
    }

    /** {@link #readFloats(DataInputStream, int)} once its length {@code n} has been read. */
    static float[] readFloats(DataInputStream in, int n, int expected) throws IOException {
        if (n != expected) {
            throw SluiceException.input("codebook array has " + n + " values, expected " + expected);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }
}
