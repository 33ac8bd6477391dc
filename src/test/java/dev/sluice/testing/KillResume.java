package dev.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * kill -9 of a job at random points, then a rerun: the same bytes as a run that was never interrupted, nothing
 * lost, nothing duplicated, no temporary file left. The seed is printed on failure.
 */
public final class KillResume {
    private KillResume() {}

    /**
     * Runs {@code trials} kills and reruns of the job that {@code args(out, workers)} describes, whose output has
     * {@code units} work units and whose rerun says "resuming: D of {@code units} {@code unitWord} already
     * committed" (or "resuming: D {@code unitWord} already committed"); returns the files of the
     * uninterrupted run.
     */
    public static TreeMap<String, byte[]> trials(Path tmp, int units, int trials, String unitWord,
                                                 BiFunction<Path, Integer, List<String>> args) throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Path clean = tmp.resolve("clean");
        Cli.Run first = Cli.run(args.apply(clean, 2).toArray(String[]::new));
        assertEquals(0, first.code(), first.toString());
        TreeMap<String, byte[]> expected = Cli.outputFiles(clean);

        for (int trial = 0; trial < trials; trial++) {
            String where = "trial " + trial + ", seed " + seed;
            Path killed = tmp.resolve("killed-" + trial);
            // Kill once a random number of units is committed (0: while planning, sampling or training).
            int killAfter = random.nextInt(units * 3 / 4);
            Process p = Cli.childJvm("256m", args.apply(killed, 1 + trial % 2)).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("child.log").toFile()).start();
            long deadline = System.currentTimeMillis() + 120_000;
            while (committedUnits(killed) < killAfter && p.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(1);
            }
            if (killAfter == 0) {
                Thread.sleep(200 + random.nextInt(1200));
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), where);
            long done = committedUnits(killed);
            assertTrue(done < units, where + ": killed before the end, " + done + " units committed\n"
                    + Files.readString(tmp.resolve("child.log")));
            assertFalse(Files.exists(killed.resolve("_manifest.json")), where);

            Cli.Run rerun = Cli.run(args.apply(killed, 2).toArray(String[]::new));
            assertEquals(0, rerun.code(), where + "\n" + rerun);
            if (done > 0) {
                // Jobs that plan their units say "resuming: D of N unit(s)"; pack, which learns the number of its
                // units only at the input's end, "resuming: D unit(s)".
                String said = rerun.err();
                assertTrue(said.contains("resuming: " + done + " of " + units + " " + unitWord + " already committed")
                        || said.contains("resuming: " + done + " " + unitWord + " already committed"),
                        where + "\n" + said);
            }
            TreeMap<String, byte[]> got = Cli.outputFiles(killed);
            assertEquals(expected.keySet(), got.keySet(), where + ": same files, no leftovers");
            for (String k : expected.keySet()) {
                assertArrayEquals(expected.get(k), got.get(k), where + ": " + k + " differs after kill and resume");
            }
            try (Stream<Path> s = Files.walk(killed)) {
                assertEquals(List.of(), s.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                        .map(f -> killed.relativize(f).toString()).toList(), where + ": no temporary files");
            }
            // Counted by scripts/faults/run.sh.
            System.out.printf("kill trial: %s killed after %d of %d units, resumed to the same bytes%n",
                    args.apply(killed, 1).get(0), done, units);
        }
        return expected;
    }

    static long committedUnits(Path out) throws Exception {
        Path units = out.resolve("_units");
        if (!Files.isDirectory(units)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(units)) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }
}
