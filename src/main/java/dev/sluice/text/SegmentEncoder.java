package dev.sluice.text;

import com.knuddels.jtokkit.api.Encoding;
import java.util.Arrays;

/**
 * Encodes text to the same token ids as {@link Encoding#encodeOrdinary}, faster, through a bounded cache of
 * short segments. One instance per thread (it is not thread-safe).
 *
 * <p>tiktoken first splits text into pieces with a regular expression, then runs BPE merges inside each
 * piece; pieces never interact. So the text can be cut at any piece boundary and its segments encoded
 * alone. This class cuts only between two ASCII characters where every encoding's pattern is certain to
 * end a piece, whatever precedes the pair and whatever follows it (a segment must encode alone exactly as
 * it does in context, so it never ends in a space or tab, where the pattern's {@code \s+(?!\S)} looks
 * ahead):
 * <ul>
 *   <li>after a letter, before a non-letter (o200k: nor an apostrophe, which can start a contraction that
 *       belongs to the word);
 *   <li>after a digit, before a non-digit;
 *   <li>after punctuation, before a space or a digit;
 *   <li>cl100k and o200k only: after a newline, before a letter or digit (their {@code \s*[\r\n]+} takes
 *       the newlines whatever follows; p50k/r50k split {@code "\n\n"} differently before a letter).
 * </ul>
 * Segments are then mostly words with their leading space ({@code " world"}), punctuation and numbers,
 * which repeat: each is looked up in a direct-mapped cache and encoded by jtokkit only on a miss.
 *
 * <p>The cache is one {@code int[]} arena of entries (hash, length and count, the segment's chars, its ids)
 * and one table of arena offsets: a fixed, pointer-free block that the garbage collector never traces or
 * copies, and a hit reads two nearby places. When the arena is full it is emptied and refills with what
 * the text uses next.
 */
final class SegmentEncoder {
    /** Longer segments (rare: long words, runs of symbols) are encoded directly, not cached. */
    static final int MAX_CACHED = 32;

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte DIGIT = 2;
    private static final byte PUNCT = 3;
    private static final byte SPACE = 4;
    private static final byte NEWLINE = 5;
    private static final byte APOSTROPHE = 6;
    private static final byte[] CLASS = new byte[128];

    static {
        for (int c = 0x21; c < 0x7f; c++) {
            CLASS[c] = Character.isLetter(c) ? LETTER : Character.isDigit(c) ? DIGIT : PUNCT;
        }
        CLASS['\''] = APOSTROPHE;
        CLASS[' '] = SPACE;
        CLASS['\n'] = NEWLINE;
        CLASS['\r'] = NEWLINE;
    }

    private final Encoding encoding;
    /** Whether "after a newline, before a letter or digit" is a piece boundary of this encoding. */
    private final boolean newlineCuts;
    /** Whether an apostrophe after a letter may continue the letter's piece (o200k's contractions). */
    private final boolean wordTakesContraction;
    /** Slot to 1 + the arena offset of its entry, 0 when empty. */
    private final int[] table;
    /** Entries: hash, length | id count << 8, the chars, the ids. */
    private final int[] arena;
    private int arenaEnd;
    private char[] chars = new char[1 << 12];
    private int[] out = new int[1 << 12];
    private int size;

    /** An encoder whose cache takes at most {@code cacheBytes} of heap (and at least 20 KB). */
    SegmentEncoder(String name, Encoding encoding, long cacheBytes) {
        this.encoding = encoding;
        this.newlineCuts = name.equals("cl100k_base") || name.equals("o200k_base");
        this.wordTakesContraction = name.equals("o200k_base");
        // A fifth for the table, the rest for entries of about 8 ints: about one slot per entry.
        int slots = Integer.highestOneBit((int) Math.clamp(cacheBytes / 20, 1 << 10, 1 << 26));
        table = new int[slots];
        arena = new int[Math.max(slots * 4, 4 * MAX_CACHED)];
    }

    /** Appends the ids of {@code text} to the buffer that {@link #take} empties. */
    void encode(String text) {
        int n = text.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        text.getChars(0, n, chars, 0);
        char[] c = chars;
        int start = 0;
        int hash = 0;
        int prev = OTHER;
        for (int i = 0; i < n; i++) {
            char ch = c[i];
            int cls = ch < 128 ? CLASS[ch] : OTHER;
            if (i > start && cuts(prev, cls)) {
                segment(start, i, hash);
                start = i;
                hash = 0;
            }
            hash = 31 * hash + ch;
            prev = cls;
        }
        if (n > start) {
            segment(start, n, hash);
        }
        if (chars.length > 1 << 22) {
            chars = new char[1 << 12]; // do not keep one huge document's buffer
        }
    }

    /** How many ids are in the buffer. */
    int size() {
        return size;
    }

    /** The ids appended since the last call. */
    int[] take() {
        int[] ids = Arrays.copyOf(out, size);
        size = 0;
        return ids;
    }

    /** Whether a piece certainly ends between an ASCII character of class {@code a} and one of class {@code b}. */
    private boolean cuts(int a, int b) {
        return switch (a) {
            case LETTER -> b != LETTER && b != OTHER && (b != APOSTROPHE || !wordTakesContraction);
            case DIGIT -> b != DIGIT && b != OTHER;
            case PUNCT, APOSTROPHE -> b == SPACE || b == DIGIT;
            case NEWLINE -> newlineCuts && (b == LETTER || b == DIGIT);
            default -> false;
        };
    }

    private void segment(int start, int end, int hash) {
        int len = end - start;
        if (len > MAX_CACHED) {
            append(encoding.encodeOrdinary(new String(chars, start, len)).toArray());
            return;
        }
        int slot = (hash ^ (hash >>> 15)) & (table.length - 1);
        int e = table[slot] - 1;
        if (e >= 0 && arena[e] == hash && (arena[e + 1] & 0xff) == len && sameChars(e + 2, start, len)) {
            int count = arena[e + 1] >>> 8;
            ensure(count);
            System.arraycopy(arena, e + 2 + len, out, size, count);
            size += count;
            return;
        }
        int[] ids = encoding.encodeOrdinary(new String(chars, start, len)).toArray();
        append(ids);
        if (arenaEnd + 2 + len + ids.length > arena.length) {
            Arrays.fill(table, 0);
            arenaEnd = 0;
        }
        e = arenaEnd;
        arena[e] = hash;
        arena[e + 1] = len | ids.length << 8;
        for (int i = 0; i < len; i++) {
            arena[e + 2 + i] = chars[start + i];
        }
        System.arraycopy(ids, 0, arena, e + 2 + len, ids.length);
        arenaEnd = e + 2 + len + ids.length;
        table[slot] = e + 1;
    }

    private boolean sameChars(int at, int start, int len) {
        for (int i = 0; i < len; i++) {
            if (arena[at + i] != chars[start + i]) {
                return false;
            }
        }
        return true;
    }

    private void ensure(int more) {
        if (size + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
        }
    }

    private void append(int[] ids) {
        ensure(ids.length);
        System.arraycopy(ids, 0, out, size, ids.length);
        size += ids.length;
    }
}
