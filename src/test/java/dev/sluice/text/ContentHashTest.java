package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class ContentHashTest {
    @Test
    void normalisationFoldsCaseWhitespaceAndComposition() {
        assertEquals("café au lait", ContentHash.normalise("  Cafe\u0301\tAU\n\n lait \r\n"));
        assertEquals(ContentHash.of("Café au lait"), ContentHash.of("cafe\u0301   au\nLAIT"));
        assertNotEquals(ContentHash.of("café au lait"), ContentHash.of("cafe au lait"));
        assertNotEquals(ContentHash.of("a b"), ContentHash.of("ab"));
    }

    @Test
    void hashIsTheFirst64BitsOfSha256() throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                .digest("hello world".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long expected = java.nio.ByteBuffer.wrap(d).getLong();
        assertEquals(expected, ContentHash.of(" Hello   World "));
    }

    /** The reference: SHA-256 of the normalised text's UTF-8 bytes, first 64 bits. */
    static long reference(String text) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                .digest(ContentHash.normalise(text).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.nio.ByteBuffer.wrap(d).getLong();
    }

    @Test
    void onePassHashesAsTheReference() throws Exception {
        // NFC text takes the one-pass path; U+0130 (lower case: two chars), Σ (by context), surrogates and text
        // that NFC changes, the general one.
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x180; c++) {
            all.append(c);
        }
        java.util.List<String> cases = new java.util.ArrayList<>(java.util.List.of("", " ", " \t\n", "A",
                " ÀÉÎÕÜ ßÿ\u00a0x ", "Straße\u2028end", "İstanbul", "ΣΑΣ", "café\u0301", all.toString(),
                "x".repeat(10_000) + " É ".repeat(5_000)));
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = random.nextInt(40); j > 0; j--) {
                String some = " \t\nAaÉé";
                b.append(random.nextInt(4) == 0 ? some.charAt(random.nextInt(some.length()))
                        : (char) random.nextInt(0x100));
            }
            cases.add(b.toString());
        }
        for (String t : dev.sluice.text.PackJobTest.readTexts()) {
            cases.add(t);
        }
        // Every char of the BMP, 48 at a time, alone and between words, upper and lower case.
        for (int c = 0; c < 0x10000; c += 48) {
            StringBuilder b = new StringBuilder();
            for (int d = c; d < Math.min(c + 48, 0x10000); d++) {
                b.append((char) d);
            }
            cases.add(b.toString());
            cases.add("Word " + b + " word");
            cases.add(b.toString().toUpperCase(java.util.Locale.ROOT));
        }
        cases.addAll(java.util.List.of("ΣΟΦΟΣ σοφός", "x\u212B y", "A\u030A", "\u1100\u1161", "emoji \ud83d\ude00 ok",
                "lone \ud83d high", "“Quotes” — dash … ellipsis", "Ünïcödé ΑΒΓ АБВ 日本語"));
        for (String t : cases) {
            assertEquals(reference(t), ContentHash.of(t), () -> "hash of " + t.codePoints().limit(40)
                    .mapToObj(Integer::toHexString).toList());
        }
    }
}
