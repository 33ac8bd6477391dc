package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.ScaledFlights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 in the middle of a run, then a rerun: the same bytes as a run that was never interrupted. */
class ProbeRowsResumeTest {
    static final int BUCKETS = 32;

    @TempDir
    Path tmp;

    private List<String> args(Path input, Path out, int workers) {
        return List.of("probe-rows", "--input", input.toString(), "--key", "route", "--time", "date", "--buckets",
                String.valueOf(BUCKETS), "--workers", String.valueOf(workers), "--progress", "none",
                "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString());
    }

    private static long committedUnits(Path out) throws Exception {
        Path units = out.resolve("_units");
        if (!Files.isDirectory(units)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(units)) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    @Test
    void killedRunResumesToTheSameOutput() throws Exception {
        Path input = ScaledFlights.make(tmp, 30);
        Path killed = tmp.resolve("killed");
        Process p = Cli.childJvm("256m", args(input, killed, 1)).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (committedUnits(killed) < 3 && p.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        long done = committedUnits(killed);
        assertTrue(done >= 3 && done < BUCKETS, "killed in the middle: " + done + " of " + BUCKETS + " units committed\n"
                + Files.readString(tmp.resolve("child.log")));
        assertFalse(Files.exists(killed.resolve("_manifest.json")));

        Cli.Run rerun = Cli.run(args(input, killed, 2).toArray(String[]::new));
        assertEquals(0, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("resuming: " + done + " of " + BUCKETS + " bucket(s) already committed"),
                rerun.err());

        Path clean = tmp.resolve("clean");
        assertEquals(0, Cli.run(args(input, clean, 2).toArray(String[]::new)).code());
        TreeMap<String, byte[]> a = Cli.outputFiles(clean);
        TreeMap<String, byte[]> b = Cli.outputFiles(killed);
        assertEquals(a.keySet(), b.keySet(), "same files, no leftovers");
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k + " differs after kill and resume");
        }
        try (Stream<Path> s = Files.walk(killed)) {
            assertEquals(0, s.filter(f -> f.getFileName().toString().endsWith(".tmp")).count(), "no temporary files");
        }
    }
}
