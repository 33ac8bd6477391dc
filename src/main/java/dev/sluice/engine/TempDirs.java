package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** Work directories a job makes under the temp directory and removes when done (or on its next run). */
public final class TempDirs {
    private TempDirs() {}

    /**
     * The work directory of a job's run on {@code out} as shard task {@code shard}, under {@code tmpRoot}, emptied
     * of what an earlier run left. Named by the output and the task, not the process: shard tasks of one output may
     * share a temp directory (and a process id, on different hosts), and a rerun after a kill clears what the
     * killed run left instead of leaving it to fill the temp disk. The output's lock keeps two live runs of one
     * task out of the same directory.
     */
    public static Path forTask(Path tmpRoot, String job, Path out, ShardSpec shard) {
        Path dir = tmpRoot.resolve(String.format(Locale.ROOT, "sluice-%s-%08x-%d-of-%d", job,
                out.toAbsolutePath().normalize().toString().hashCode(), shard.index(), shard.count()));
        deleteTree(dir);
        return dir;
    }

    /**
     * Deletes {@code dir} and everything under it, or the file {@code dir}; what cannot be deleted is left to the
     * OS's temp cleanup, or to the next run that clears its temporary files.
     */
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
