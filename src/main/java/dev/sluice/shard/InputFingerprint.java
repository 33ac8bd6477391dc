package dev.sluice.shard;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * What a plan records of each input file so that a rerun resumes only over the same input: path, size, modified
 * time, and a CRC-32C of its content. Files up to {@value #WHOLE_LIMIT_MB} MB are hashed whole; larger ones by
 * {@value #SAMPLES} blocks of 64 KB spread evenly from head to tail (always both ends), so that a file edited in
 * place, even to the same size with its time put back, is caught wherever the edit falls in a small file and
 * with high probability in a large one, while a 100 GB input costs a few milliseconds, not a full read.
 */
public final class InputFingerprint {
    static final int WHOLE_LIMIT_MB = 64;
    static final int SAMPLES = 1024;
    private static final int BLOCK = 64 << 10;

    private InputFingerprint() {}

    /** The fingerprints of {@code files}, as the plan's JSON holds them. */
    public static List<Map<String, Object>> of(List<Path> files) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path f : files) {
            Map<String, Object> m = new LinkedHashMap<>();
            try {
                m.put("path", f.toString());
                m.put("bytes", Files.size(f));
                m.put("modified", Files.getLastModifiedTime(f).toMillis());
                m.put("content_crc32c", contentCrc(f));
            } catch (IOException e) {
                throw SluiceException.input("cannot read input file " + f + ": " + e.getMessage(), e);
            }
            out.add(m);
        }
        return out;
    }

    /** The CRC-32C of the whole file, or of its sampled blocks (see the class comment), as 8 hex digits. */
    static String contentCrc(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(BLOCK);
            if (size <= (long) WHOLE_LIMIT_MB << 20) {
                read(ch, 0, size, buf, crc);
            } else {
                long step = (size - BLOCK) / (SAMPLES - 1);
                for (int i = 0; i < SAMPLES; i++) {
                    read(ch, i * step, BLOCK, buf, crc);
                }
            }
        }
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    private static void read(FileChannel ch, long from, long length, ByteBuffer buf, CRC32C crc) throws IOException {
        long at = from;
        long end = from + length;
        while (at < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - at));
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new IOException("the file ended at " + at + " while being read");
            }
            crc.update(buf.flip());
            at += n;
        }
    }
}
