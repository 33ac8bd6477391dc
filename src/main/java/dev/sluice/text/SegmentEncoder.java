package dev.sluice.text;

import com.knuddels.jtokkit.api.Encoding;

/**
 * Encodes text to the same token ids as {@link Encoding#encodeOrdinary}, faster, through a bounded cache of
 * short segments. One instance per thread (it is not thread-safe).
 *
 * <p>tiktoken first splits text into pieces with a regular expression, then runs BPE merges inside each
 * piece; pieces never interact. So the text can be cut at any piece boundary and its segments encoded
 * alone. This class cuts only between two ASCII characters where the encoding's pattern is certain to
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
 * which repeat. Each is looked up in the encoder's own {@link SegmentCache}, then in one shared by all
 * workers (under a lock: it is consulted only on a miss of the first), and encoded by jtokkit only when
 * neither holds it, so each distinct segment is encoded about once per run, not once per worker.
 */
final class SegmentEncoder implements DocumentEncoder {
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
    private final SegmentCache own;
    private final SegmentCache shared;
    private final TokenIds out = new TokenIds();
    private char[] chars = new char[1 << 12];

    /** An encoder with its own cache of at most {@code ownBytes}, and {@code shared}, locked on use. */
    SegmentEncoder(String name, Encoding encoding, SegmentCache shared, long ownBytes) {
        this.encoding = encoding;
        this.newlineCuts = name.equals("cl100k_base") || name.equals("o200k_base");
        this.wordTakesContraction = name.equals("o200k_base");
        this.own = new SegmentCache(ownBytes);
        this.shared = shared;
    }

    /** Appends the ids of {@code text} to the buffer that {@link #take} empties. */
    @Override
    public void encode(String text) {
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
    @Override
    public int size() {
        return out.size();
    }

    /** The ids appended since the last call. */
    @Override
    public int[] take() {
        return out.take();
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
        if (len > SegmentCache.MAX_CHARS) {
            int[] ids = encoding.encodeOrdinary(new String(chars, start, len)).toArray();
            out.add(ids, 0, ids.length);
            return;
        }
        if (own.append(hash, chars, start, len, out)) {
            return;
        }
        int before = out.size();
        boolean found;
        synchronized (shared) {
            found = shared.append(hash, chars, start, len, out);
        }
        if (!found) {
            int[] ids = encoding.encodeOrdinary(new String(chars, start, len)).toArray();
            out.add(ids, 0, ids.length);
            synchronized (shared) {
                shared.put(hash, chars, start, len, ids, 0, ids.length);
            }
        }
        own.put(hash, chars, start, len, out.array(), before, out.size() - before);
    }
}
