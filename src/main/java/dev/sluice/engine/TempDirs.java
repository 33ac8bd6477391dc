package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Work directories a job makes under the temp directory and removes when done (or on its next run). */
public final class TempDirs {
    private TempDirs() {}

    /** Deletes {@code dir} and everything under it; what cannot be deleted is left to the OS's temp cleanup. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Temp files; the OS cleans the temp directory in the end.
        }
    }

    /** Creates {@code dir} (and its parents); a failure is a resource error that names the option to change. */
    public static void create(Path dir, String option) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw SluiceException.resource("cannot create " + dir + " (" + option + "): " + e.getMessage(), e);
        }
    }
}
