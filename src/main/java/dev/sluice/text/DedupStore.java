package dev.sluice.text;

import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.Stream;

/**
 * The set of document hashes seen so far, on disk, with memory bounded however many hashes it holds.
 *
 * <p>Layout of a store directory:
 * <pre>
 * store.json          format, hash, normalisation, count, and the list of segment files
 * hashes-NNNNNN.u64   a segment: distinct 64-bit hashes, little-endian, ascending as signed integers
 * .lock               held while a run uses the store
 * </pre>
 * New hashes go to an in-memory open-addressing set of at most {@code bufferHashes}; when it is full it
 * is sorted and written as a new segment. A lookup checks the set, then each segment: a binary search
 * over the segment's fence keys (every {@value #BLOCK}th hash, kept in memory: 16 bytes per 512 hashes,
 * 320 KB for 10M) and one positional read of a {@value #BLOCK}-hash block. Reads go through
 * {@link FileChannel#read(ByteBuffer, long)}, not a memory map, so the page cache does not count as this
 * process's resident memory. Segments are merged (a streaming k-way merge) when there are more than
 * {@value #MAX_SEGMENTS}, so a lookup costs at most that many block reads.
 *
 * <p>A run's hashes become part of the store only at {@link #commit()}, after its output is complete:
 * a run that fails leaves the store as it was, so its rerun makes the same decisions.
 */
public final class DedupStore implements AutoCloseable {
    static final String META = "store.json";
    static final String FORMAT = "sluice-dedup/1";
    static final int BLOCK = 512;
    static final int MAX_SEGMENTS = 8;
    private static final String LOCK = ".lock";

    private final Path dir;
    private final boolean persistent;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final List<Segment> committed = new ArrayList<>();
    private final List<Segment> pending = new ArrayList<>();
    private final LongSet buffer;
    private final int bufferHashes;
    private final ByteBuffer block = ByteBuffer.allocateDirect(BLOCK * 8).order(ByteOrder.LITTLE_ENDIAN);
    private int nextSegment;
    private long storedBefore;
    private long added;
    private boolean done;

    private DedupStore(Path dir, boolean persistent, int bufferHashes) {
        this.dir = dir;
        this.persistent = persistent;
        this.bufferHashes = bufferHashes;
        this.buffer = new LongSet(bufferHashes);
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw SluiceException.usage("another sluice run is using the dedup store " + dir
                        + "; wait for it to finish (runs that share a store must run one after another)");
            }
            lock = l;
        } catch (IOException e) {
            throw SluiceException.resource("cannot open dedup store " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens (or creates) a store that outlives the run: {@code --dedup-store DIR}. */
    public static DedupStore open(Path dir, int bufferHashes) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw SluiceException.usage("--dedup-store " + dir + " is a file; give a directory");
        }
        if (Files.isDirectory(dir) && !Files.exists(dir.resolve(META)) && hasForeignFiles(dir)) {
            throw SluiceException.usage("--dedup-store " + dir + " holds files but no " + META
                    + "; give an empty or new directory, or an existing dedup store");
        }
        DedupStore s = new DedupStore(dir, true, bufferHashes);
        try {
            s.load();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** A store for one run's within-run dedup, deleted when closed. */
    public static DedupStore temporary(Path dir, int bufferHashes) {
        return new DedupStore(dir, false, bufferHashes);
    }

    /** Hashes the store held when it was opened. */
    public long storedBefore() {
        return storedBefore;
    }

    /** New hashes this run added. */
    public long added() {
        return added;
    }

    /** Whether a hash was new, seen earlier in this run, or already in the store when it was opened. */
    public enum Seen {
        NEW, IN_RUN, IN_STORE
    }

    /** Adds {@code h}, saying whether it was there. */
    public Seen add(long h) {
        if (buffer.contains(h)) {
            return Seen.IN_RUN;
        }
        try {
            for (Segment s : pending) {
                if (s.contains(h, block)) {
                    return Seen.IN_RUN;
                }
            }
            for (Segment s : committed) {
                if (s.contains(h, block)) {
                    return Seen.IN_STORE;
                }
            }
            buffer.add(h);
            added++;
            if (buffer.size() >= bufferHashes) {
                pending.add(writeSegment(buffer.sortedValues()));
                buffer.clear();
                if (pending.size() >= MAX_SEGMENTS) {
                    Segment merged = merge(pending);
                    deleteSegments(pending);
                    pending.clear();
                    pending.add(merged);
                }
            }
            return Seen.NEW;
        } catch (IOException e) {
            throw SluiceException.cannotWrite("dedup store " + dir, e);
        }
    }

    /** Makes this run's hashes part of the store (a no-op for a temporary store). */
    public void commit() {
        if (!persistent) {
            return;
        }
        try {
            if (buffer.size() > 0) {
                pending.add(writeSegment(buffer.sortedValues()));
                buffer.clear();
            }
            List<Segment> all = new ArrayList<>(committed);
            all.addAll(pending);
            List<Segment> old = List.of();
            if (all.size() > MAX_SEGMENTS) {
                Segment merged = merge(all);
                old = all;
                all = List.of(merged);
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put("hash", "first 64 bits of SHA-256 of the normalised UTF-8 text, as a signed little-endian int64");
            meta.put("normalisation", "Unicode NFC, lower case, whitespace runs to one space, trimmed");
            meta.put("count", all.stream().mapToLong(s -> s.count).sum());
            meta.put("next_segment", nextSegment);
            meta.put("segments", all.stream().map(s -> Map.of("file", s.file.getFileName().toString(),
                    "count", s.count)).toList());
            Json.writeAtomically(dir.resolve(META), meta);
            deleteSegments(old);
            committed.clear();
            committed.addAll(all);
            pending.clear();
            done = true;
        } catch (IOException e) {
            throw SluiceException.cannotWrite("dedup store " + dir, e);
        }
    }

    @SuppressWarnings("unchecked")
    private void load() {
        Path meta = dir.resolve(META);
        List<String> listed = new ArrayList<>();
        if (Files.exists(meta)) {
            Map<String, Object> m = Json.read(meta);
            if (!FORMAT.equals(m.get("format"))) {
                throw SluiceException.input("dedup store " + meta + " has format " + m.get("format") + ", expected "
                        + FORMAT);
            }
            nextSegment = ((Number) m.get("next_segment")).intValue();
            for (Object o : (List<Object>) m.get("segments")) {
                Map<String, Object> s = (Map<String, Object>) o;
                Path file = dir.resolve((String) s.get("file"));
                long count = ((Number) s.get("count")).longValue();
                try {
                    if (!Files.exists(file) || Files.size(file) != count * 8) {
                        throw SluiceException.input(String.format(Locale.ROOT,
                                "dedup store %s is damaged: %s should hold %d hashes (%d bytes); restore the "
                                        + "directory or start a new store", dir, file, count, count * 8));
                    }
                    committed.add(Segment.open(file, count));
                } catch (IOException e) {
                    throw SluiceException.input("cannot read dedup store segment " + file + ": " + e.getMessage(), e);
                }
                listed.add(file.getFileName().toString());
                storedBefore += count;
            }
        }
        // Segments of a run that failed before its commit.
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if ((n.endsWith(".u64") || n.endsWith(".tmp")) && !listed.contains(n)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw SluiceException.resource("cannot clean dedup store " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasForeignFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> !p.getFileName().toString().equals(LOCK));
        } catch (IOException e) {
            return false;
        }
    }

    private Path newSegmentPath() {
        return dir.resolve(String.format(Locale.ROOT, "hashes-%06d.u64", nextSegment++));
    }

    private Segment writeSegment(long[] sorted) throws IOException {
        Path file = newSegmentPath();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (SegmentWriter w = new SegmentWriter(tmp)) {
            for (long h : sorted) {
                w.write(h);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return Segment.open(file, sorted.length);
    }

    /** Streams the union of sorted segments into one new segment; memory: one buffer per segment. */
    private Segment merge(List<Segment> segments) throws IOException {
        Path file = newSegmentPath();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long count = 0;
        PriorityQueue<SegmentReader> heap = new PriorityQueue<>(Comparator.comparingLong(SegmentReader::head));
        try (SegmentWriter w = new SegmentWriter(tmp)) {
            for (Segment s : segments) {
                SegmentReader r = new SegmentReader(s);
                if (r.advance()) {
                    heap.add(r);
                }
            }
            boolean first = true;
            long last = 0;
            while (!heap.isEmpty()) {
                SegmentReader r = heap.poll();
                long h = r.head();
                if (first || h != last) {
                    w.write(h);
                    count++;
                    last = h;
                    first = false;
                }
                if (r.advance()) {
                    heap.add(r);
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return Segment.open(file, count);
    }

    private static void deleteSegments(List<Segment> segments) throws IOException {
        for (Segment s : segments) {
            s.channel.close();
            Files.deleteIfExists(s.file);
        }
    }

    @Override
    public void close() {
        buffer.close();
        try {
            for (Segment s : committed) {
                s.channel.close();
            }
            if (!done || !persistent) {
                deleteSegments(pending);
            }
            if (!persistent) {
                Files.deleteIfExists(dir.resolve(LOCK));
            }
            lock.release();
            lockChannel.close();
            if (!persistent) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            // Leftover segments of an uncommitted run are removed when the store is next opened.
        }
    }

    /** One sorted segment file and its fence keys. */
    private static final class Segment {
        final Path file;
        final long count;
        final FileChannel channel;
        final long[] fences;
        final long max;

        private Segment(Path file, long count, FileChannel channel, long[] fences, long max) {
            this.file = file;
            this.count = count;
            this.channel = channel;
            this.fences = fences;
            this.max = max;
        }

        static Segment open(Path file, long count) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            long[] fences = new long[(int) ((count + BLOCK - 1) / BLOCK)];
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < fences.length; i++) {
                b.clear();
                readFully(ch, b, (long) i * BLOCK * 8);
                fences[i] = b.getLong(0);
            }
            long max = Long.MIN_VALUE;
            if (count > 0) {
                b.clear();
                readFully(ch, b, (count - 1) * 8);
                max = b.getLong(0);
            }
            return new Segment(file, count, ch, fences, max);
        }

        boolean contains(long h, ByteBuffer block) throws IOException {
            if (count == 0 || h < fences[0] || h > max) {
                return false;
            }
            int f = Arrays.binarySearch(fences, h);
            if (f >= 0) {
                return true;
            }
            int blockIndex = -f - 2;
            long start = (long) blockIndex * BLOCK;
            int n = (int) Math.min(BLOCK, count - start);
            block.clear().limit(n * 8);
            readFully(channel, block, start * 8);
            int lo = 0;
            int hi = n - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long v = block.getLong(mid * 8);
                if (v < h) {
                    lo = mid + 1;
                } else if (v > h) {
                    hi = mid - 1;
                } else {
                    return true;
                }
            }
            return false;
        }

        private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    throw new IOException("unexpected end of " + ch);
                }
            }
        }
    }

    private static final class SegmentWriter implements AutoCloseable {
        private final OutputStream out;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        SegmentWriter(Path file) throws IOException {
            out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        }

        void write(long h) throws IOException {
            if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putLong(h);
        }

        @Override
        public void close() throws IOException {
            out.write(buf.array(), 0, buf.position());
            out.close();
        }
    }

    private static final class SegmentReader {
        private final Segment segment;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long next;
        private long head;

        SegmentReader(Segment segment) {
            this.segment = segment;
            buf.limit(0);
        }

        long head() {
            return head;
        }

        boolean advance() throws IOException {
            if (next >= segment.count) {
                return false;
            }
            if (!buf.hasRemaining()) {
                buf.clear();
                long left = (segment.count - next) * 8;
                if (left < buf.capacity()) {
                    buf.limit((int) left);
                }
                Segment.readFully(segment.channel, buf, next * 8);
                buf.flip();
            }
            head = buf.getLong();
            next++;
            return true;
        }
    }

    /**
     * Open addressing with linear probing over a power-of-two table at most half full; 0 marks empty. The
     * table lives off the heap: a large long[] would sit in the old generation and make every collection
     * of a small heap a full one.
     */
    static final class LongSet implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment table;
        private final long slots;
        private final long mask;
        private boolean hasZero;
        private int size;

        LongSet(int capacity) {
            slots = Long.highestOneBit(Math.max(4L, capacity) * 2 - 1) * 2;
            mask = slots - 1;
            table = arena.allocate(slots * 8, 8);
        }

        int size() {
            return size;
        }

        boolean contains(long h) {
            if (h == 0) {
                return hasZero;
            }
            for (long i = slot(h); ; i = (i + 1) & mask) {
                long v = table.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (v == h) {
                    return true;
                }
                if (v == 0) {
                    return false;
                }
            }
        }

        void add(long h) {
            if (h == 0) {
                if (!hasZero) {
                    hasZero = true;
                    size++;
                }
                return;
            }
            for (long i = slot(h); ; i = (i + 1) & mask) {
                long v = table.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (v == h) {
                    return;
                }
                if (v == 0) {
                    table.setAtIndex(ValueLayout.JAVA_LONG, i, h);
                    size++;
                    return;
                }
            }
        }

        long[] sortedValues() {
            long[] out = new long[size];
            int k = 0;
            if (hasZero) {
                out[k++] = 0;
            }
            for (long i = 0; i < slots; i++) {
                long v = table.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (v != 0) {
                    out[k++] = v;
                }
            }
            Arrays.sort(out);
            return out;
        }

        void clear() {
            table.fill((byte) 0);
            hasZero = false;
            size = 0;
        }

        private long slot(long h) {
            // The hashes are already uniform (SHA-256 bits); fold the high half in anyway.
            return (h ^ (h >>> 32)) & mask;
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
