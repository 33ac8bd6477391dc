package dev.sluice.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The UTF-8 check that JSONL lines get instead of a decoding pass agrees with the strict decoder. */
class ByteLinesTest {
    private static boolean decodes(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void agreesWithTheStrictDecoderOnEdgeCases() {
        String[] valid = {"", "41", "c2a9", "dfbf", "e0a080", "ed9fbf", "ee8080", "efbfbf", "f0908080", "f48fbfbf",
                "e282ac41", "f09f9880"};
        String[] invalid = {"80", "bf", "c0af", "c1bf", "c2", "c241", "e0809f", "e09f80", "eda080", "edbfbf", "e282",
                "f08f8080", "f4908080", "f5808080", "ff", "f09f98", "41e2"};
        for (String h : valid) {
            byte[] b = HexFormat.of().parseHex(h);
            assertTrue(decodes(b), h);
            assertTrue(ByteLines.isUtf8(b, b.length), h);
        }
        for (String h : invalid) {
            byte[] b = HexFormat.of().parseHex(h);
            assertFalse(decodes(b), h);
            assertFalse(ByteLines.isUtf8(b, b.length), h);
        }
    }

    @Test
    void agreesWithTheStrictDecoderOnRandomBytes() {
        Random r = new Random(7);
        int invalid = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[1 + r.nextInt(8)];
            for (int k = 0; k < b.length; k++) {
                // Mostly lead and continuation bytes near the boundaries that matter.
                int[] pick = {0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
                        0xf4, 0xf5, 0xff};
                b[k] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : pick[r.nextInt(pick.length)]);
            }
            boolean expected = decodes(b);
            assertEquals(expected, ByteLines.isUtf8(b, b.length), HexFormat.of().formatHex(b));
            invalid += expected ? 0 : 1;
        }
        assertTrue(invalid > 1000 && invalid < 199_000, "both kinds drawn: " + invalid);
    }
}
