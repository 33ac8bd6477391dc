package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Vectors in a file of fixed-size records, memory-mapped and copied a batch at a time, so the file is never
 * read whole into the heap: {@code .npy} (float32 or float16, C order), {@code .fvecs} and {@code .bvecs}
 * (each record a little-endian int32 dimension, then the values).
 */
final class MappedVectorReader implements VectorReader {
    enum Element { F32, F16, U8 }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final MemorySegment map;
    private final long dataOffset;
    private final long recordBytes;
    private final long headerBytes;
    private final Element element;
    private final int dim;
    private final long count;
    private long row;
    /** Bytes of the mapping before this offset have been handed back to the OS. */
    private long released;
    /** Release read pages in steps of this much, so that a pass over a large file keeps RSS flat. */
    private static final long RELEASE_STEP = 8L << 20;

    private MappedVectorReader(Path file, Arena arena, MemorySegment map, long dataOffset, long recordBytes,
                               long headerBytes, Element element, int dim, long count) {
        this.file = file;
        this.arena = arena;
        this.map = map;
        this.dataOffset = dataOffset;
        this.recordBytes = recordBytes;
        this.headerBytes = headerBytes;
        this.element = element;
        this.dim = dim;
        this.count = count;
    }

    static MappedVectorReader open(Path file, String kind) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw SluiceException.input(file + " is empty; give a file with at least one vector");
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            MappedVectorReader r = switch (kind) {
                case "npy" -> npy(file, arena, map, size);
                case "fvecs" -> vecs(file, arena, map, size, Element.F32, 4);
                case "bvecs" -> vecs(file, arena, map, size, Element.U8, 1);
                default -> throw new IllegalArgumentException(kind);
            };
            return r;
        } catch (IOException e) {
            arena.close();
            throw SluiceException.input("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static MappedVectorReader npy(Path file, Arena arena, MemorySegment map, long size) {
        NpyHeader h = NpyHeader.parse(file, map);
        Element el = switch (h.descr()) {
            case "<f4", "=f4" -> Element.F32;
            case "<f2", "=f2" -> Element.F16;
            default -> throw SluiceException.input(String.format(Locale.ROOT,
                    "%s holds %s values; expected float32 ('<f4') or float16 ('<f2'): convert with "
                            + "numpy's astype(np.float32)", file, h.descr()));
        };
        if (h.shape().length != 2) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s has shape %s; expected 2 dimensions (vectors, dim): reshape it with numpy", file,
                    java.util.Arrays.toString(h.shape())));
        }
        if (h.fortranOrder()) {
            throw SluiceException.input(file + " is in Fortran order; save it with np.ascontiguousarray first");
        }
        long n = h.shape()[0];
        int dim = Math.toIntExact(h.shape()[1]);
        int width = el == Element.F32 ? 4 : 2;
        if (n == 0 || dim == 0) {
            throw SluiceException.input(file + " holds no vectors (shape " + n + " x " + dim + ")");
        }
        if (h.dataOffset() + n * dim * width > size) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s is truncated: its header says %d x %d values (%d bytes) but the file has %d bytes after it",
                    file, n, dim, n * dim * width, size - h.dataOffset()));
        }
        return new MappedVectorReader(file, arena, map, h.dataOffset(), (long) dim * width, 0, el, dim, n);
    }

    private static MappedVectorReader vecs(Path file, Arena arena, MemorySegment map, long size, Element el,
                                           int width) {
        if (size < 4) {
            throw SluiceException.input(file + " is too short to hold a vector (" + size + " bytes)");
        }
        int dim = map.get(I32, 0);
        if (dim <= 0 || dim > 1 << 20) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s starts with dimension %d; expected a positive int32 (is it really a .%svecs file?)",
                    file, dim, el == Element.U8 ? "b" : "f"));
        }
        long record = 4 + (long) dim * width;
        if (size % record != 0) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s has %d bytes, not a multiple of the record size %d (4 + %d x %d): the vectors are ragged "
                            + "or the file is truncated", file, size, record, dim, width));
        }
        return new MappedVectorReader(file, arena, map, 4, record, 4, el, dim, size / record);
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public boolean next(VectorBatch batch) {
        int n = (int) Math.min(batch.capacity(), count - row);
        batch.rows = Math.max(n, 0);
        batch.firstRow = row;
        if (n <= 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            long r = row + i;
            long base = dataOffset + r * recordBytes;
            if (headerBytes > 0) {
                int d = map.get(I32, base - headerBytes);
                if (d != dim) {
                    throw SluiceException.input(String.format(Locale.ROOT,
                            "%s: vector %d has dimension %d, the first has %d: ragged vectors cannot be compressed",
                            file, r, d, dim));
                }
            }
            decode(base, batch.data, i * dim);
            batch.ids[i] = r;
        }
        row += n;
        long done = dataOffset + row * recordBytes - headerBytes;
        if (done - released >= RELEASE_STEP) {
            // Pages of a read-only mapping count in RSS until the kernel reclaims them; unload them now (they
            // stay in the page cache), so memory does not grow with the input.
            map.asSlice(released, done - released).unload();
            released = done;
        }
        batch.checkFinite(file.toString());
        return true;
    }

    private void decode(long base, float[] dst, int off) {
        switch (element) {
            case F32 -> MemorySegment.copy(map, F32, base, dst, off, dim);
            case F16 -> {
                for (int j = 0; j < dim; j++) {
                    dst[off + j] = Float.float16ToFloat(map.get(F16, base + 2L * j));
                }
            }
            case U8 -> {
                for (int j = 0; j < dim; j++) {
                    dst[off + j] = map.get(ValueLayout.JAVA_BYTE, base + j) & 0xFF;
                }
            }
        }
    }

    @Override
    public boolean rowAccess() {
        return true;
    }

    /** One row, straight from the mapping; safe from several threads (it moves no position). */
    @Override
    public void readRow(long r, float[] dst, int off) {
        if (r < 0 || r >= count) {
            throw new IndexOutOfBoundsException("row " + r + " of " + count + " in " + file);
        }
        decode(dataOffset + r * recordBytes, dst, off);
        for (int j = 0; j < dim; j++) {
            if (!Float.isFinite(dst[off + j])) {
                throw SluiceException.input(String.format(Locale.ROOT, "%s: row %d has %s at dimension %d; vectors "
                        + "must be finite: drop or fix such rows", file, r, dst[off + j], j));
            }
        }
    }

    @Override
    public boolean skip(VectorBatch batch) {
        int n = (int) Math.min(batch.capacity(), count - row);
        batch.rows = Math.max(n, 0);
        batch.firstRow = row;
        row += batch.rows;
        return n > 0;
    }

    @Override
    public void rewind() {
        row = 0;
        released = 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
