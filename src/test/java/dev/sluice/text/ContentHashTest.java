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
}
