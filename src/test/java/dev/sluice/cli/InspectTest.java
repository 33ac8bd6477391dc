package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect checks every shard against the manifest and says which one is wrong. */
class InspectTest {
    @TempDir
    Path tmp;
    Path out;

    @BeforeEach
    void run() {
        out = tmp.resolve("out");
        Cli.Run r = Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date",
                "--buckets", "2", "--progress", "none", "--memory-limit", "512MB", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
    }

    @Test
    void cleanOutputPasses() {
        Cli.Run r = Cli.run("inspect", out.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("\"problems\" : [ ]"), r.out());
        assertTrue(r.out().contains("\"measurements\" : "), r.out());
    }

    @Test
    void alteredShardIsReported() throws Exception {
        Path shard = out.resolve("train/part-00001-00000.parquet");
        byte[] b = Files.readAllBytes(shard);
        b[b.length / 2] ^= 0x5a; // same size, other bytes
        Files.write(shard, b);
        Cli.Run r = Cli.run("inspect", out.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("shard train/part-00001-00000.parquet has CRC-32C"), r.out());
    }

    @Test
    void missingAndStrayShardsAreReported() throws Exception {
        Files.delete(out.resolve("test/part-00000-00000.parquet"));
        Files.copy(out.resolve("train/part-00000-00000.parquet"), out.resolve("train/part-00009-00000.parquet"));
        Cli.Run r = Cli.run("inspect", out.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("missing shard test/part-00000-00000.parquet"), r.out());
        assertTrue(r.out().contains("shard train/part-00009-00000.parquet is not listed in the manifest"), r.out());
    }

    @Test
    void unfinishedRunHasNoManifest() throws Exception {
        Files.delete(out.resolve("_manifest.json"));
        Files.writeString(out.resolve("note.txt"), "x", StandardOpenOption.CREATE);
        Cli.Run r = Cli.run("inspect", out.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("the run did not finish (rerun it to resume)"), r.out());
    }
}
