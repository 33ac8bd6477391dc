package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.DiskFull;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * probe-rows on a full output disk: exit 4 with a clear message, then a rerun with room completes; also when the
 * disk fills while the first of four shard tasks writes their shared copy of the measurements, and when the disk
 * runs out of inodes.
 */
class ProbeRowsDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void fullDiskWhileWritingTheTasksCopyLeavesNoCopyAndTheTasksCompleteWithRoom() throws Exception {
        Path dir = DiskFull.mountSmall(tmp, "300k"); // the plan fits, the copy of the measurements (755 KB) does not
        try {
            Path out = dir.resolve("out");
            Cli.Run full = Cli.run(task(out, 0));
            assertEquals(4, full.code(), full.toString());
            assertTrue(full.err().contains("disk full while writing the shard tasks' copy of the measurements"),
                    full.err());
            try (Stream<Path> s = Files.list(out.resolve("_scratch"))) {
                assertEquals(List.of(), s.toList(), "neither a copy nor a half-written one");
            }
            DiskFull.resize(dir, "8m");
            for (int i = 0; i < 4; i++) {
                Cli.Run r = Cli.run(task(out, i));
                assertEquals(0, r.code(), r.toString());
            }
            assertEquals(0, Cli.run("merge", out.toString()).code());
            Path single = tmp.resolve("single");
            assertEquals(0, Cli.run(args(single).toArray(String[]::new)).code());
            Cli.assertSameOutput(single, out, "after the disk-full rerun");
        } finally {
            DiskFull.unmount(dir);
        }
    }

    private List<String> args(Path out) {
        return List.of("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date",
                "--buckets", "4", "--progress", "none", "--memory-limit", "512MB", "--tmp-dir", tmp.toString(),
                "--out", out.toString());
    }

    private String[] task(Path out, int index) {
        List<String> a = new ArrayList<>(args(out));
        a.addAll(List.of("--shard", index + "/4"));
        return a.toArray(String[]::new);
    }

    @Test
    void outOfInodesIsAClearErrorAndARerunWithInodesCompletes() throws Exception {
        // 14 inodes: the plan, the key table and the first unit's shards fit, a later unit's record does not.
        DiskFull.checkMounted(tmp, "size=8m,nr_inodes=14", "nr_inodes=1000", "No space left on device",
                out -> List.of("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time",
                        "date", "--buckets", "4", "--progress", "none", "--memory-limit", "512MB", "--tmp-dir",
                        tmp.toString(), "--out", out.toString()));
    }

    @Test
    void fullDiskIsAClearErrorAndARerunWithRoomCompletes() throws Exception {
        DiskFull.check(tmp, "400k", "8m", "disk full while writing bucket", out -> List.of("probe-rows", "--input",
                Cli.flightsSample().toString(), "--key", "route", "--time", "date", "--buckets", "4", "--progress",
                "none", "--memory-limit", "512MB", "--tmp-dir", tmp.toString(), "--out", out.toString()));
    }
}
