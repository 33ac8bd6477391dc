package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** numpy's .npz files (a zip of .npy arrays), to hand arrays to and from the Python reference scripts. */
public final class Npz {
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");

    private Npz() {}

    /** Writes one-dimensional int64 arrays under their names. */
    public static void writeLongs(Path file, Map<String, long[]> arrays) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, long[]> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                long[] v = e.getValue();
                writeHeader(zip, "<i8", v.length);
                ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asLongBuffer().put(v);
                zip.write(b.array());
                zip.closeEntry();
            }
        }
    }

    private static void writeHeader(OutputStream out, String descr, long length) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + length + ",), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
    }

    /** An array read from an .npz: its shape and its values as little-endian bytes. */
    public record Array(long[] shape, String descr, ByteBuffer data) {
        public int getInt(long i) {
            return data.getInt((int) (4 * i));
        }

        public float getFloat(long i) {
            return data.getFloat((int) (4 * i));
        }
    }

    /** The array named {@code name} in {@code file}. */
    public static Array read(Path file, String name) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals(name + ".npy")) {
                    return parse(zip);
                }
            }
        }
        throw new IOException(file + " has no array " + name);
    }

    private static Array parse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        ByteBuffer b = ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        int major = b.get(6);
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = major == 1 ? 10 : 12;
        String header = new String(all.toByteArray(), start, headerLength, StandardCharsets.US_ASCII);
        Matcher s = SHAPE.matcher(header);
        Matcher d = DESCR.matcher(header);
        if (!s.find() || !d.find()) {
            throw new IOException("not an .npy header: " + header);
        }
        String[] dims = s.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::strip).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        ByteBuffer data = b.position(start + headerLength).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new Array(shape, d.group(1), data);
    }
}
