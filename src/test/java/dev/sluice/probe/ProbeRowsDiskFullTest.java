package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output disk fills up mid-run (a 400 KB tmpfs): a clear error and exit 4, no manifest; the same
 * directory, given room, resumes to the same bytes as a run that never ran short. Needs root to mount a
 * tmpfs; skipped with a message where mounting is not allowed.
 */
class ProbeRowsDiskFullTest {
    @TempDir
    Path tmp;
    Path mount;

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    private String[] args(Path out) {
        return List.of("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date",
                "--buckets", "4", "--progress", "none", "--memory-limit", "512MB", "--tmp-dir", tmp.toString(),
                "--out", out.toString()).toArray(String[]::new);
    }

    @Test
    void fullDiskIsAClearErrorAndARerunWithRoomCompletes() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", dir.toString()),
                "cannot mount a tmpfs here (needs root): disk-full test skipped");
        mount = dir;
        Path out = dir.resolve("out");
        Cli.Run full = Cli.run(args(out));
        assertEquals(4, full.code(), full.toString());
        assertTrue(full.err().contains("disk full while writing bucket"), full.err());
        assertTrue(full.err().contains("free space on the output or --tmp-dir disk, then rerun to resume"), full.err());
        assertFalse(Files.exists(out.resolve("_manifest.json")));

        assertTrue(run("mount", "-o", "remount,size=8m", dir.toString()));
        Cli.Run again = Cli.run(args(out));
        assertEquals(0, again.code(), again.toString());
        Path clean = tmp.resolve("clean");
        assertEquals(0, Cli.run(args(clean)).code());
        TreeMap<String, byte[]> a = Cli.outputFiles(clean);
        TreeMap<String, byte[]> b = Cli.outputFiles(out);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k + " differs after the disk-full rerun");
        }
        assertEquals(0, Cli.run("inspect", out.toString()).code());
    }
}
