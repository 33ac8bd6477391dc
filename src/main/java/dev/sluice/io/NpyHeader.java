package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The header of a NumPy {@code .npy} file (format versions 1 to 3), and how to write one. */
record NpyHeader(String descr, boolean fortranOrder, long[] shape, long dataOffset) {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    static NpyHeader parse(Path file, MemorySegment map) {
        long size = map.byteSize();
        if (size < 10 || map.get(ValueLayout.JAVA_BYTE, 0) != (byte) 0x93
                || !"NUMPY".equals(new String(map.asSlice(1, 5).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))) {
            throw SluiceException.input(file + " is not a .npy file (no \\x93NUMPY magic); save it with numpy.save");
        }
        int major = map.get(ValueLayout.JAVA_BYTE, 6);
        long headerLen;
        long start;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(map.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            start = 10;
        } else {
            headerLen = Integer.toUnsignedLong(map.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            start = 12;
        }
        if (start + headerLen > size) {
            throw SluiceException.input(file + " has a truncated .npy header");
        }
        String text = new String(map.asSlice(start, headerLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !f.find() || !s.find()) {
            throw SluiceException.input(file + " has a .npy header sluice cannot read: " + text.strip());
        }
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::strip).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        return new NpyHeader(d.group(1), f.group(1).equals("True"), shape, start + headerLen);
    }

    /** A version 1.0 header for a C-order array, padded so the data starts on a 64-byte boundary. */
    static byte[] header(String descr, long... shape) {
        StringBuilder dims = new StringBuilder();
        for (long v : shape) {
            dims.append(v).append(", ");
        }
        String shapeText = shape.length == 1 ? shape[0] + "," : dims.substring(0, dims.length() - 2);
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shapeText + "), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String h = dict + " ".repeat(pad) + "\n";
        byte[] out = new byte[10 + h.length()];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (h.length() & 0xFF);
        out[9] = (byte) (h.length() >>> 8);
        System.arraycopy(h.getBytes(StandardCharsets.US_ASCII), 0, out, 10, h.length());
        return out;
    }
}
