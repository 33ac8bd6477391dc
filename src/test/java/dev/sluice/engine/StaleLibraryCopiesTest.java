package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleLibraryCopiesTest {
    @TempDir
    Path tmp;

    private Path file(String name, byte[] bytes, Duration age) throws Exception {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(age)));
        return f;
    }

    @Test
    void deletesOnlyOldCopiesOfArrowsLibrary() throws Exception {
        Set<Long> sizes = StaleLibraryCopies.librarySizes();
        assertFalse(sizes.isEmpty(), "the Arrow C data jar ships its library");
        byte[] lib;
        try (InputStream in = StaleLibraryCopies.class.getClassLoader()
                .getResourceAsStream("arrow_cdata_jni/x86_64/" + System.mapLibraryName("arrow_cdata_jni"))) {
            lib = in.readAllBytes();
        }
        assertTrue(sizes.contains((long) lib.length), "sizes " + sizes + " hold the x86-64 library's");
        Path killed = file("jnilib-4242424242.tmp", lib, Duration.ofHours(2));
        Path running = file("jnilib-777.tmp", lib, Duration.ofSeconds(5));
        Path otherSize = file("jnilib-123.tmp", new byte[100], Duration.ofHours(2));
        Path otherName = file("jnilib-abc.tmp", lib, Duration.ofHours(2));
        Path unrelated = file("keep.tmp", lib, Duration.ofHours(2));

        int deleted = StaleLibraryCopies.sweep(tmp, sizes, Instant.now().minus(StaleLibraryCopies.MIN_AGE));

        assertEquals(1, deleted);
        assertFalse(Files.exists(killed), "a copy a killed process left two hours ago");
        assertTrue(Files.exists(running), "a fresh copy, maybe about to be loaded");
        assertTrue(Files.exists(otherSize), "another library's copy");
        assertTrue(Files.exists(otherName));
        assertTrue(Files.exists(unrelated));
        assertEquals(0, StaleLibraryCopies.sweep(tmp.resolve("absent"), sizes, Instant.now()), "no directory");
    }
}
