package dev.sluice.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.Locale;

/**
 * The exact-dedup key of a document: the first 64 bits of SHA-256 over its normalised text.
 *
 * <p>Normalisation: Unicode NFC, then lower case ({@link Locale#ROOT}), then every run of whitespace
 * ({@link Character#isWhitespace}) becomes one space, then leading and trailing spaces go. Two documents
 * that differ only in composed/decomposed accents, letter case, line wrapping or indentation count as
 * duplicates. With 64 bits, the chance that any two of n distinct documents collide is about
 * n²/2⁶⁵: 3·10⁻⁶ for 10M documents, 3% for 1B.
 */
public final class ContentHash {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    });

    private ContentHash() {}

    public static String normalise(String text) {
        String lower = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(lower.length());
        boolean space = false;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (Character.isWhitespace(c)) {
                space = b.length() > 0;
            } else {
                if (space) {
                    b.append(' ');
                    space = false;
                }
                b.append(c);
            }
        }
        return b.toString();
    }

    public static long of(String text) {
        MessageDigest sha = SHA256.get();
        if (!onePass(text)) {
            sha.update(normalise(text).getBytes(StandardCharsets.UTF_8));
        } else {
            // Pack hashes every document, so this is much of its work (and all of a shard index's). Text that is
            // NFC already and holds no character String.toLowerCase(ROOT) treats specially lower-cases char by
            // char: normalise and encode to UTF-8 in one pass, no copies.
            byte[] buf = BUFFER.get();
            char[] chars = CHARS.get();
            int n = 0;
            boolean space = false;
            for (int from = 0; from < text.length(); from += chars.length) {
                int len = Math.min(chars.length, text.length() - from);
                text.getChars(from, from + len, chars, 0);
                for (int i = 0; i < len; i++) {
                    char c = chars[i];
                    // ASCII without the Character tables: its whitespace is \t-\r, U+001C-U+001F and space.
                    if (c < 0x80 ? c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)
                            : Character.isWhitespace(c)) {
                        space = n > 0;
                        continue;
                    }
                    if (n + 4 > buf.length) {
                        sha.update(buf, 0, n);
                        n = 0;
                    }
                    if (space) {
                        buf[n++] = ' ';
                        space = false;
                    }
                    n = put(buf, n, c >= 0x80 ? Character.toLowerCase(c) : c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
                }
            }
            sha.update(buf, 0, n);
        }
        byte[] d = sha.digest();
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (d[i] & 0xff);
        }
        return h;
    }

    /** Puts {@code c} (not a surrogate) into {@code buf} at {@code n} as UTF-8; returns the next position. */
    private static int put(byte[] buf, int n, char c) {
        if (c < 0x80) {
            buf[n++] = (byte) c;
        } else if (c < 0x800) {
            buf[n++] = (byte) (0xc0 | (c >> 6));
            buf[n++] = (byte) (0x80 | (c & 0x3f));
        } else {
            buf[n++] = (byte) (0xe0 | (c >> 12));
            buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
            buf[n++] = (byte) (0x80 | (c & 0x3f));
        }
        return n;
    }

    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[8192]);
    private static final ThreadLocal<char[]> CHARS = ThreadLocal.withInitial(() -> new char[4096]);

    /**
     * Whether {@link #of} may normalise {@code text} in one pass: it holds no surrogate (supplementary characters,
     * which lower-case by code point), no U+0130 (İ lower-cases to two chars) or U+03A3 (Σ lower-cases by its
     * context), and is NFC already, as all text below U+0300 (the first combining mark) is.
     */
    private static boolean onePass(String text) {
        char max = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x130) {
                if (c == 0x130 || c == 0x3a3 || Character.isSurrogate(c)) {
                    return false;
                }
                max = (char) Math.max(max, c);
            }
        }
        return max < 0x300 || Normalizer.isNormalized(text, Normalizer.Form.NFC);
    }
}
