package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Vectors streamed in ({@code compress --input -} or a URL, see {@link RemoteInput}), .npy or .fvecs told apart by
 * the .npy magic, copied to a file under the run's temporary directory up to a cap: compress reads its input twice
 * (the training sample, then the encoding), which a stream cannot, and the cap bounds the copy. Reading stops at the
 * cap; the rest of the stream is left unread.
 */
public final class StreamedVectors {
    private StreamedVectors() {}

    /**
     * Copies at most {@code cap} vectors of {@code in} (named {@code source} in messages) to {@code dir}; returns the
     * file (.npy or .fvecs).
     */
    public static Path spool(InputStream in, String source, Path dir, long cap) {
        DataInputStream data = new DataInputStream(in);
        try {
            Files.createDirectories(dir);
            byte[] head = data.readNBytes(6);
            if (head.length == 0) {
                throw SluiceException.input(source + " is empty; give a .npy or .fvecs file");
            }
            if (head.length == 6 && (head[0] & 0xff) == 0x93 && new String(head, 1, 5, "US-ASCII").equals("NUMPY")) {
                return npy(data, head, dir.resolve("input.npy"), cap, source);
            }
            return fvecs(data, head, dir.resolve("input.fvecs"), cap, source);
        } catch (EOFException e) {
            throw SluiceException.input(source + " ended inside a vector: a truncated .npy or .fvecs stream", e);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(dir, e);
        }
    }

    private static Path npy(DataInputStream in, byte[] magic, Path file, long cap, String source) throws IOException {
        byte[] version = in.readNBytes(2);
        int lengthBytes = version[0] == 1 ? 2 : 4;
        byte[] len = in.readNBytes(lengthBytes);
        ByteBuffer lb = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = lengthBytes == 2 ? Short.toUnsignedInt(lb.getShort()) : lb.getInt();
        byte[] text = in.readNBytes(headerLen);
        byte[] whole = new byte[6 + 2 + lengthBytes + text.length];
        System.arraycopy(magic, 0, whole, 0, 6);
        System.arraycopy(version, 0, whole, 6, 2);
        System.arraycopy(len, 0, whole, 8, lengthBytes);
        System.arraycopy(text, 0, whole, 8 + lengthBytes, text.length);
        NpyHeader h = NpyHeader.parse(Path.of(source), MemorySegment.ofArray(whole));
        int width = switch (h.descr()) {
            case "<f4", "=f4" -> 4;
            case "<f2", "=f2" -> 2;
            default -> throw SluiceException.input(source + " holds " + h.descr() + " values; expected float32 "
                    + "('<f4') or float16 ('<f2')");
        };
        if (h.shape().length != 2 || h.fortranOrder()) {
            throw SluiceException.input(source + ": the .npy array must be 2-dimensional (vectors, dim) in C order");
        }
        long rows = Math.min(cap, h.shape()[0]);
        long dim = h.shape()[1];
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(NpyHeader.header(h.descr(), rows, dim));
            copy(in, out, rows * dim * width, rows, h.shape()[0], source);
        }
        return file;
    }

    private static Path fvecs(DataInputStream in, byte[] head, Path file, long cap, String source) throws IOException {
        ByteBuffer first = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).put(head, 0, Math.min(4, head.length));
        int dim = first.getInt(0);
        if (head.length < 4 || dim < 1 || dim > 1 << 16) {
            throw SluiceException.input(String.format(Locale.ROOT, "%s is neither .npy (no \\x93NUMPY "
                    + "magic) nor .fvecs (its first record says %d dimensions); give a .npy or .fvecs file", source, dim));
        }
        byte[] buf = new byte[(int) (4 + 4L * dim)];
        System.arraycopy(head, 0, buf, 0, head.length);
        if (head.length + in.readNBytes(buf, head.length, buf.length - head.length) < buf.length) {
            throw new EOFException();
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(buf);
            // Each record's own dimension is checked when the copy is read, as for any .fvecs file.
            for (long written = 1; written < cap; written++) {
                int n = in.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    break;
                }
                if (n < buf.length) {
                    throw new EOFException();
                }
                out.write(buf);
            }
        }
        return file;
    }

    /** Copies {@code bytes} of {@code in}; a stream that ends first holds fewer vectors than its header says. */
    private static void copy(InputStream in, OutputStream out, long bytes, long rows, long declared, String source)
            throws IOException {
        byte[] buf = new byte[1 << 20];
        long left = bytes;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw SluiceException.input(String.format(Locale.ROOT, "%s ended %,d bytes short of the "
                        + "%,d vectors to read (its header declares %,d)", source, left, rows, declared));
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }
}
