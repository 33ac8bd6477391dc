package dev.sluice.text;

import java.util.Arrays;

/**
 * A bounded, direct-mapped map from short segments of text (at most {@link #MAX_CHARS} chars) to their token
 * ids. Entries live in one {@code int[]} arena (hash, length and id count, the chars, the ids) found through
 * one table of arena offsets: a fixed, pointer-free block that the garbage collector never traces or copies,
 * and a lookup reads two nearby places. A new entry replaces the one in its slot; when the arena is full it
 * is emptied and refills with what the text uses next. Not thread-safe.
 */
final class SegmentCache {
    /** The entry's length field is 8 bits; long segments (separator lines of dashes, say) repeat too. */
    static final int MAX_CHARS = 255;

    /** Slot to 1 + the arena offset of its entry, 0 when empty. */
    private final int[] table;
    private final int[] arena;
    private int end;

    /** A cache of at most {@code bytes} of heap (and at least 20 KB). */
    SegmentCache(long bytes) {
        // A fifth for the table, the rest for entries of about 8 ints: about one slot per entry.
        int slots = Integer.highestOneBit((int) Math.clamp(bytes / 20, 1 << 10, 1 << 26));
        table = new int[slots];
        arena = new int[slots * 4];
    }

    private int slot(int hash) {
        return (hash ^ (hash >>> 15)) & (table.length - 1);
    }

    /** Appends the ids of {@code chars[start, start + len)} to {@code out}; false when they are not cached. */
    boolean append(int hash, char[] chars, int start, int len, TokenIds out) {
        int e = table[slot(hash)] - 1;
        if (e < 0 || arena[e] != hash || (arena[e + 1] & 0xff) != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (arena[e + 2 + i] != chars[start + i]) {
                return false;
            }
        }
        out.add(arena, e + 2 + len, arena[e + 1] >>> 8);
        return true;
    }

    /** Caches {@code ids[from, from + count)} as the ids of {@code chars[start, start + len)}. */
    void put(int hash, char[] chars, int start, int len, int[] ids, int from, int count) {
        int need = 2 + len + count;
        if (end + need > arena.length) {
            Arrays.fill(table, 0);
            end = 0;
        }
        int e = end;
        arena[e] = hash;
        arena[e + 1] = len | count << 8;
        for (int i = 0; i < len; i++) {
            arena[e + 2 + i] = chars[start + i];
        }
        System.arraycopy(ids, from, arena, e + 2 + len, count);
        end = e + need;
        table[slot(hash)] = e + 1;
    }
}
