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
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random points of a run, then a rerun: the same bytes as a run that was never interrupted,
 * nothing lost, nothing duplicated, no temporary file left. Ten trials; the seed is printed on failure.
 */
class ProbeRowsResumeTest {
    static final int BUCKETS = 32;
    static final int TRIALS = 10;

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
    void killedRunsResumeToTheSameOutput() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Path input = ScaledFlights.make(tmp, 30);
        Path clean = tmp.resolve("clean");
        assertEquals(0, Cli.run(args(input, clean, 2).toArray(String[]::new)).code());
        TreeMap<String, byte[]> expected = Cli.outputFiles(clean);

        for (int trial = 0; trial < TRIALS; trial++) {
            String where = "trial " + trial + ", seed " + seed;
            Path killed = tmp.resolve("killed-" + trial);
            // Kill once a random number of units is committed (0: during planning or the sort).
            int killAfter = random.nextInt(BUCKETS - 4);
            Process p = Cli.childJvm("256m", args(input, killed, 1 + trial % 2)).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("child.log").toFile()).start();
            long deadline = System.currentTimeMillis() + 120_000;
            while (committedUnits(killed) < killAfter && p.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(2);
            }
            if (killAfter == 0) {
                Thread.sleep(200 + random.nextInt(800));
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), where);
            long done = committedUnits(killed);
            assertTrue(done < BUCKETS, where + ": killed before the end, " + done + " units committed\n"
                    + Files.readString(tmp.resolve("child.log")));
            assertFalse(Files.exists(killed.resolve("_manifest.json")), where);

            Cli.Run rerun = Cli.run(args(input, killed, 2).toArray(String[]::new));
            assertEquals(0, rerun.code(), where + "\n" + rerun);
            if (done > 0) {
                assertTrue(rerun.err().contains("resuming: " + done + " of " + BUCKETS + " bucket(s) already committed"),
                        where + "\n" + rerun.err());
            }
            TreeMap<String, byte[]> got = Cli.outputFiles(killed);
            assertEquals(expected.keySet(), got.keySet(), where + ": same files, no leftovers");
            for (String k : expected.keySet()) {
                assertArrayEquals(expected.get(k), got.get(k), where + ": " + k + " differs after kill and resume");
            }
            try (Stream<Path> s = Files.walk(killed)) {
                assertEquals(0, s.filter(f -> f.getFileName().toString().endsWith(".tmp")).count(),
                        where + ": no temporary files");
            }
        }
    }
}
