package dev.sluice.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a resume trusts is checked: committed shards by their CRC-32C, inputs by content, the planned buckets. */
class ResumeTrustTest {
    @TempDir
    Path tmp;

    private List<String> probeRows(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("probe-rows", "--input", Cli.flightsSample().toString(), "--key",
                "route", "--time", "date", "--buckets", "4", "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void aCommittedShardWithAFlippedByteIsMadeAgain() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run(probeRows(out).toArray(String[]::new)).code());
        Path shard = out.resolve("train/part-00001-00000.parquet");
        byte[] good = Files.readAllBytes(shard);
        // As if the run was killed after the unit's commit and before its manifest, and the shard then damaged.
        Files.delete(out.resolve(OutputDir.MANIFEST));
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 1;
        Files.write(shard, bad);
        Cli.Run rerun = Cli.run(probeRows(out).toArray(String[]::new));
        assertEquals(0, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("unit 1: shard train/part-00001-00000.parquet does not match the CRC-32C "
                + "of its commit record; the unit is made again"), rerun.err());
        assertTrue(rerun.err().contains("resuming: 3 of 4 bucket(s) already committed"), rerun.err());
        assertArrayEquals(good, Files.readAllBytes(shard), "the unit made again gives the same bytes");
        assertEquals(List.of(), Manifest.verify(out));
    }

    @Test
    void anInputEditedInPlaceToTheSameSizeAndTimeIsRefused() throws Exception {
        Path input = tmp.resolve("docs.jsonl");
        Files.copy(Cli.project().resolve("data-samples/text/debian-texts.jsonl"), input);
        Path out = tmp.resolve("pack");
        List<String> args = List.of("pack", "--input", input.toString(), "--seq-len", "256", "--progress", "none",
                "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString());
        assertEquals(0, Cli.run(args.toArray(String[]::new)).code());
        Files.delete(out.resolve(OutputDir.MANIFEST));
        FileTime time = Files.getLastModifiedTime(input);
        byte[] text = Files.readAllBytes(input);
        int at = new String(text, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("GNU");
        text[at] = 'g';
        Files.write(input, text);
        Files.setLastModifiedTime(input, time);
        Cli.Run rerun = Cli.run(args.toArray(String[]::new));
        assertEquals(2, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("already holds output of a run with other inputs"), rerun.err());
        assertTrue(rerun.err().contains("content_crc32c"), rerun.err());
        assertFalse(Files.exists(out.resolve(OutputDir.MANIFEST)));
    }

    @Test
    void anotherBucketCountOnAResumeIsRefused() {
        Path out = tmp.resolve("buckets");
        assertEquals(0, Cli.run(probeRows(out).toArray(String[]::new)).code());
        List<String> eight = probeRows(out);
        eight.set(eight.indexOf("--buckets") + 1, "8");
        Cli.Run rerun = Cli.run(eight.toArray(String[]::new));
        assertEquals(2, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("was planned with 4 bucket(s) and --buckets 8 asks for another number"),
                rerun.err());
    }

    @Test
    void aKilledRunLeavesItsRecordAsRunning() throws Exception {
        Path input = dev.sluice.testing.ScaledFlights.make(tmp, 30);
        Path out = tmp.resolve("killed");
        List<String> args = new ArrayList<>(List.of("probe-rows", "--input", input.toString(), "--key", "route",
                "--time", "date", "--buckets", "32", "--workers", "1", "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
        Process p = Cli.childJvm("256m", args).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log")
                .toFile()).start();
        Path runs = out.resolve(dev.sluice.engine.RunRecord.DIR);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (p.isAlive() && System.nanoTime() < deadline && !(Files.isDirectory(runs) && listJson(runs) > 0)) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();
        assertEquals(1, listJson(runs), Files.readString(tmp.resolve("killed.log")));
        try (var files = Files.list(runs)) {
            java.util.Map<String, Object> record = dev.sluice.engine.Json.read(files
                    .filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow());
            assertEquals("running", record.get("status"), record.toString());
            assertFalse(record.containsKey("end"), record.toString());
        }
    }

    private static long listJson(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .count();
        }
    }

    @Test
    void aRefusedRunLeavesNothingInTheTempDirectory() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path out = tmp.resolve("pack-refused");
        List<String> args = new ArrayList<>(List.of("pack", "--input",
                Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(), "--seq-len", "256",
                "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", work.toString(), "--out", out.toString()));
        assertEquals(0, Cli.run(args.toArray(String[]::new)).code());
        args.set(args.indexOf("256"), "512");
        Cli.Run refused = Cli.run(args.toArray(String[]::new));
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("with other parameters (--seq-len)"), refused.err());
        try (var left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "no temporary directory (and no dedup lock in one) left behind");
        }
    }

    @Test
    void planningAndRunRecordFilesOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("planning"));
        long dead = 999_999_999L; // above any pid_max
        long alive = ProcessHandle.current().pid();
        List<String> gone = List.of("..plan-" + dead + "-1.tmp.tmp", ".pack-units-" + dead + "-2.tmp",
                "._keys.parquet-" + dead + ".tmp", "_runs/.20261207T023700-" + dead + "-0a1b2c3d.json.tmp");
        List<String> kept = List.of("..plan-" + alive + "-3.tmp.tmp", ".pack-units-" + alive + "-4.tmp",
                "_runs/.20261207T023700-" + alive + "-0a1b2c3d.json.tmp");
        Files.createDirectories(out.resolve("_runs"));
        for (String f : gone) {
            Files.writeString(out.resolve(f), "x");
        }
        for (String f : kept) {
            Files.writeString(out.resolve(f), "x");
        }
        try (OutputDir dir = OutputDir.open(out)) {
            dir.fixPlan(Plan.of("probe-rows", java.util.Map.of("seed", 0), List.of()));
        }
        for (String f : gone) {
            assertFalse(Files.exists(out.resolve(f)), f);
        }
        for (String f : kept) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
    }

    @Test
    void aRerunOfACompleteOutputEndsItsRecord() throws Exception {
        Path out = tmp.resolve("pack-twice");
        String[] args = {"pack", "--input", Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(),
                "--seq-len", "256", "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(),
                "--out", out.toString()};
        assertEquals(0, Cli.run(args).code());
        Cli.Run again = Cli.run(args);
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.err().contains("nothing to do"), again.err());
        Path runs = out.resolve(dev.sluice.engine.RunRecord.DIR);
        assertEquals(2, listJson(runs));
        try (var files = Files.list(runs)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                assertEquals("ok", dev.sluice.engine.Json.read(f).get("status"), f.toString());
            }
        }
    }

    @Test
    void noBucketsIsAUsageError() {
        List<String> zero = probeRows(tmp.resolve("zero"));
        zero.set(zero.indexOf("--buckets") + 1, "0");
        Cli.Run r = Cli.run(zero.toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--buckets must be between 1 and 4096, got 0"), r.err());
    }
}
