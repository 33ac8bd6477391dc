package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.util.Locale;

/**
 * A batch of vectors in one flat row-major {@code float[]} with their ids. Allocated once per reader and
 * refilled by each {@link VectorReader#next} call, so a streamed pass allocates nothing per batch.
 */
public final class VectorBatch {
    public final int dim;
    public final float[] data;
    public final long[] ids;
    /** Rows filled by the last {@code next}; the rest of the arrays is stale. */
    public int rows;
    /** Row number (0-based, in input order) of this batch's first row. */
    public long firstRow;

    public VectorBatch(int dim, int capacity) {
        if (dim < 1 || capacity < 1) {
            throw new IllegalArgumentException("dim and capacity must be positive: " + dim + ", " + capacity);
        }
        long floats = (long) dim * capacity;
        if (floats > Integer.MAX_VALUE - 16) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "a batch of %d vectors of %d dimensions does not fit in one Java array; lower --batch-size",
                    capacity, dim));
        }
        this.dim = dim;
        this.data = new float[(int) floats];
        this.ids = new long[capacity];
    }

    public int capacity() {
        return ids.length;
    }

    /** Rejects NaN and infinite values, naming the source and the row so the user can find them. */
    void checkFinite(String source) {
        int n = rows * dim;
        for (int i = 0; i < n; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "%s: row %d (id %d) has %s at dimension %d; vectors must be finite: drop or fix such rows "
                                + "before compressing", source, firstRow + i / dim, ids[i / dim], v, i % dim));
            }
        }
    }
}
