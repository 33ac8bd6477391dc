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
 */
final class SegmentEncoder {
    /** Cache slots (a power of two): 64K segments of at most {@link #MAX_CACHED} chars, a few MB. */
    private static final int SLOTS = 1 << 18;
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
    private final String[] keys = new String[SLOTS];
    private final int[][] values = new int[SLOTS][];
    private int[] out = new int[4096];
    private int size;

    SegmentEncoder(String name, Encoding encoding) {
        this.encoding = encoding;
        this.newlineCuts = name.equals("cl100k_base") || name.equals("o200k_base");
        this.wordTakesContraction = name.equals("o200k_base");
    }

    int[] encode(String text) {
        size = 0;
        int n = text.length();
        int start = 0;
        int hash = 0;
        int prev = OTHER;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            int cls = c < 128 ? CLASS[c] : OTHER;
            if (i > start && cuts(prev, cls)) {
                segment(text, start, i, hash);
                start = i;
                hash = 0;
            }
            hash = 31 * hash + c;
            prev = cls;
        }
        if (n > start) {
            segment(text, start, n, hash);
        }
        return Arrays.copyOf(out, size);
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

    private void segment(String text, int start, int end, int hash) {
        int len = end - start;
        if (len > MAX_CACHED) {
            append(encoding.encodeOrdinary(text.substring(start, end)).toArray());
            return;
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        String key = keys[slot];
        if (key != null && key.length() == len && text.regionMatches(start, key, 0, len)) {
            append(values[slot]);
            return;
        }
        key = text.substring(start, end);
        int[] ids = encoding.encodeOrdinary(key).toArray();
        keys[slot] = key;
        values[slot] = ids;
        append(ids);
    }

    private void append(int[] ids) {
        if (size + ids.length > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, size + ids.length));
        }
        System.arraycopy(ids, 0, out, size, ids.length);
        size += ids.length;
    }
}
