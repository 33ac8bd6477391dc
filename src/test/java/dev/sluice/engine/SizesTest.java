package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesUnits() {
        assertEquals(512L << 20, Sizes.parse("512MB", "x"));
        assertEquals(1L << 30, Sizes.parse("1GB", "x"));
        assertEquals(3L << 29, Sizes.parse("1.5GiB", "x"));
        assertEquals(300L << 10, Sizes.parse("300k", "x"));
        assertEquals(1234, Sizes.parse("1234", "x"));
    }

    @Test
    void rejectsNonsense() {
        SluiceException e = assertThrows(SluiceException.class, () -> Sizes.parse("lots", "--memory-limit"));
        assertEquals(SluiceException.Kind.USAGE, e.kind());
        assertEquals("--memory-limit: cannot read size 'lots'; write it like 512MB, 1GB or 1.5GiB", e.getMessage());
        assertThrows(SluiceException.class, () -> Sizes.parse("0MB", "x"));
    }

    @Test
    void formats() {
        assertEquals("512 MB", Sizes.format(512L << 20));
        assertEquals("1.5 GB", Sizes.format(3L << 29));
        assertEquals("12 B", Sizes.format(12));
    }
}
