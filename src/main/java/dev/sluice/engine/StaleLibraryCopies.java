package dev.sluice.engine;

import java.io.IOException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Deletes the copies of Arrow's C data library that killed processes left in the temp directory.
 *
 * <p>Arrow copies {@code libarrow_cdata_jni} out of its jar into {@code java.io.tmpdir} as {@code jnilib-N.tmp}
 * in every process and deletes the copy at exit, which a process killed at a time limit or by {@code kill -9}
 * never reaches: the kill and resume tests alone had left 616 of them (25 MB) in this machine's /tmp, and every
 * shard task killed on a cluster node adds one. A copy is deleted only if it has Arrow's name, exactly the size of
 * the library in the jar, and is older than {@link #MIN_AGE} (a process loads its copy milliseconds after writing
 * it; unlinking a library another process has loaded leaves that process's mapping intact).
 */
public final class StaleLibraryCopies {
    static final Duration MIN_AGE = Duration.ofMinutes(10);
    private static final String[] ARCHES = {"x86_64", "aarch_64"};

    private StaleLibraryCopies() {}

    /** Sweeps {@code java.io.tmpdir} on a daemon thread, so that a large temp directory never delays a start. */
    public static void sweepInBackground() {
        Thread.ofPlatform().daemon().name("sluice-tmp-sweep").start(() -> {
            Set<Long> sizes = librarySizes();
            if (!sizes.isEmpty()) {
                sweep(Path.of(System.getProperty("java.io.tmpdir")), sizes, Instant.now().minus(MIN_AGE));
            }
        });
    }

    /** The sizes of the Arrow C data libraries in its jar, for the platforms it ships. */
    static Set<Long> librarySizes() {
        Set<Long> sizes = new HashSet<>();
        for (String arch : ARCHES) {
            URL lib = StaleLibraryCopies.class.getClassLoader()
                    .getResource("arrow_cdata_jni/" + arch + "/" + System.mapLibraryName("arrow_cdata_jni"));
            if (lib == null) {
                continue;
            }
            try {
                sizes.add(lib.openConnection().getContentLengthLong());
            } catch (IOException e) {
                // Unreadable: that platform's copies are left alone.
            }
        }
        sizes.remove(-1L);
        return sizes;
    }

    /** Deletes Arrow's copies in {@code dir} that have one of {@code sizes} and are older than {@code before}. */
    static int sweep(Path dir, Set<Long> sizes, Instant before) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "jnilib-*.tmp")) {
            for (Path f : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    boolean arrows = f.getFileName().toString().matches("jnilib-\\d+\\.tmp") && a.isRegularFile()
                            && sizes.contains(a.size());
                    if (arrows && a.lastModifiedTime().toInstant().isBefore(before)) {
                        Files.delete(f);
                        deleted++;
                    }
                } catch (IOException e) {
                    // Another user's file, or gone already.
                }
            }
        } catch (IOException e) {
            // No temp directory to read.
        }
        return deleted;
    }
}
