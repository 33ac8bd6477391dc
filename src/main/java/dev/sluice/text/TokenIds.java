package dev.sluice.text;

import java.util.Arrays;

/** A growable run of token ids. */
final class TokenIds {
    private int[] ids = new int[1 << 12];
    private int size;

    int size() {
        return size;
    }

    int[] array() {
        return ids;
    }

    void add(int[] src, int from, int count) {
        if (size + count > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + count));
        }
        if (count <= 4) {
            // Most segments are one or two tokens: a loop beats the call of a bulk copy.
            for (int k = 0; k < count; k++) {
                ids[size + k] = src[from + k];
            }
        } else {
            System.arraycopy(src, from, ids, size, count);
        }
        size += count;
    }

    /** Appends {@code src}, ids below 2^31 (a vocabulary's). */
    void add(long[] src) {
        if (size + src.length > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + src.length));
        }
        for (int k = 0; k < src.length; k++) {
            ids[size + k] = (int) src[k];
        }
        size += src.length;
    }

    /** The ids added since the last call, and an empty run. */
    int[] take() {
        int[] out = Arrays.copyOf(ids, size);
        size = 0;
        return out;
    }
}
