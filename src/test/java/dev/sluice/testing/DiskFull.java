package dev.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The output disk fills up mid-run (a small tmpfs): a clear error and exit 4, no manifest; the same
 * directory, given room, resumes to the same bytes as a run that never ran short. Needs root to mount a
 * tmpfs; skipped with a message where mounting is not allowed.
 */
public final class DiskFull {
    private DiskFull() {}

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    /** Mounts a tmpfs of {@code size} at a new directory under {@code tmp}; skips the test where that is refused. */
    public static Path mountSmall(Path tmp, String size) throws Exception {
        return mount(tmp, "size=" + size);
    }

    /** Mounts a tmpfs with mount {@code options} (e.g. {@code size=8m,nr_inodes=14}); skips where refused. */
    public static Path mount(Path tmp, String options) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()),
                "cannot mount a tmpfs here (needs root): disk-full test skipped");
        return dir;
    }

    public static void resize(Path dir, String size) throws Exception {
        remount(dir, "size=" + size);
    }

    public static void remount(Path dir, String options) throws Exception {
        assertTrue(run("mount", "-o", "remount," + options, dir.toString()));
    }

    public static void unmount(Path dir) throws Exception {
        run("umount", dir.toString());
    }

    /**
     * Runs the job {@code args(out)} describes with its output on a tmpfs of {@code smallSize}, expecting
     * the error to contain {@code message}; then remounts it at {@code roomySize} and reruns.
     */
    public static void check(Path tmp, String smallSize, String roomySize, String message,
                             Function<Path, List<String>> args) throws Exception {
        checkMounted(tmp, "size=" + smallSize, "size=" + roomySize, message, args);
    }

    /**
     * As {@link #check} with tmpfs mount options for the short disk and the roomy one: {@code size=8m,nr_inodes=14}
     * runs out of inodes rather than bytes.
     */
    public static void checkMounted(Path tmp, String shortOptions, String roomyOptions, String message,
                                    Function<Path, List<String>> args) throws Exception {
        Path dir = mount(tmp, shortOptions);
        try {
            Path out = dir.resolve("out");
            Cli.Run full = Cli.run(args.apply(out).toArray(String[]::new));
            assertEquals(4, full.code(), full.toString());
            assertTrue(full.err().contains(message), full.err());
            assertTrue(full.err().contains("free space (or inodes: df -i) on the output or --tmp-dir disk, then rerun to resume"),
                    full.err());
            assertFalse(Files.exists(out.resolve("_manifest.json")));

            remount(dir, roomyOptions);
            Cli.Run again = Cli.run(args.apply(out).toArray(String[]::new));
            assertEquals(0, again.code(), again.toString());
            Path clean = tmp.resolve("clean");
            Cli.Run cleanRun = Cli.run(args.apply(clean).toArray(String[]::new));
            assertEquals(0, cleanRun.code(), cleanRun.toString());
            Cli.assertSameOutput(clean, out, "after the disk-full rerun");
            Cli.Run inspect = Cli.run("inspect", out.toString());
            assertEquals(0, inspect.code(), inspect.toString());
        } finally {
            unmount(dir);
        }
    }
}
