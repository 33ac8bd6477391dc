package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.SluiceException;
import dev.sluice.testing.Cli;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user trips over first: help, option names, messages that say what is wrong and where. */
class PapercutsTest {
    @TempDir
    Path tmp;

    @Test
    void demoHelpPrintsHelpAndRunsNothing() {
        Cli.Run r = Cli.run("demo", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("usage: sluice demo"), r.out());
        assertFalse(r.out().contains("$ sluice probe-rows"), "the demo did not run: " + r.out());
    }

    @Test
    void estimateHelpListsItsOptionsAndTheJobs() {
        Cli.Run r = Cli.run("estimate", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("--json") && r.out().contains("--shard"), r.out());
        assertTrue(r.out().contains("probe-rows, compress, pack, logits"), r.out());
        Cli.Run job = Cli.run("estimate", "compress", "--help");
        assertEquals(0, job.code(), job.toString());
        assertTrue(job.out().contains("--method") && job.out().contains("--train-size"), job.out());
    }

    @Test
    void verboseWorksAfterTheCommandName() {
        Path empty = tmp.resolve("empty");
        Cli.Run quiet = Cli.run("runs", empty.toString());
        assertEquals(3, quiet.code(), quiet.toString());
        assertFalse(quiet.err().contains("\tat dev.sluice"), quiet.err());
        Cli.Run after = Cli.run("runs", empty.toString(), "--verbose");
        assertEquals(3, after.code(), after.toString());
        assertTrue(after.err().contains("\tat dev.sluice"), "a stack trace: " + after.err());
        Cli.Run before = Cli.run("--verbose", "runs", empty.toString());
        assertTrue(before.err().contains("\tat dev.sluice"), before.err());
    }

    @Test
    void unknownOptionsGetTheNearestName() {
        Cli.Run r = Cli.run("runs", "--jsn");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Unrecognized option: --jsn (did you mean --json?)"), r.err());
        Cli.Run w = Cli.run("probe-rows", "--worker", "2");
        assertTrue(w.err().contains("did you mean --workers?"), w.err());
        Cli.Run m = Cli.run("compress", "--memory_limit", "1GB");
        assertTrue(m.err().contains("did you mean --memory-limit?"), m.err());
        Cli.Run far = Cli.run("runs", "--frobnicate");
        assertEquals(2, far.code());
        assertFalse(far.err().contains("did you mean"), "nothing is near: " + far.err());
    }

    @Test
    void runsWithoutRecordsSaysSo() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("no-runs"));
        Cli.Run r = Cli.run("runs", dir.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains(dir + " has no run records (" + dir.resolve("_runs") + "/*.json)"), r.err());
        assertFalse(r.err().contains("pending query"), r.err());
        Cli.Run missing = Cli.run("runs", tmp.resolve("nowhere").toString());
        assertTrue(missing.err().contains("output directory " + tmp.resolve("nowhere") + " does not exist"),
                missing.err());
    }

    @Test
    void environmentValuesAreNamedByTheirVariable() throws Exception {
        Options o = CommonOptions.add(new Options());
        CommandLine none = CommonOptions.parse(o, new String[0]);
        PrintStream sink = new PrintStream(java.io.OutputStream.nullOutputStream());
        SluiceException e = assertThrows(SluiceException.class,
                () -> CommonOptions.context(none, sink, sink, Map.of("SLUICE_WORKERS", "abc")));
        assertEquals("SLUICE_WORKERS must be a whole number, got 'abc'", e.getMessage());
        CommandLine given = CommonOptions.parse(o, new String[] {"--workers", "x2"});
        SluiceException opt = assertThrows(SluiceException.class,
                () -> CommonOptions.context(given, sink, sink, Map.of("SLUICE_WORKERS", "4")));
        assertEquals("--workers must be a whole number, got 'x2'", opt.getMessage());
        SluiceException mem = assertThrows(SluiceException.class,
                () -> CommonOptions.context(none, sink, sink, Map.of("SLUICE_MEMORY_LIMIT", "lots")));
        assertTrue(mem.getMessage().startsWith("SLUICE_MEMORY_LIMIT: cannot read size 'lots'"), mem.getMessage());
        SluiceException progress = assertThrows(SluiceException.class,
                () -> CommonOptions.context(none, sink, sink, Map.of("SLUICE_PROGRESS", "fancy")));
        assertEquals("SLUICE_PROGRESS must be auto, bar, log or none, got 'fancy'", progress.getMessage());
        assertEquals("nightly", CommonOptions.context(none, sink, sink, Map.of("SLUICE_LABEL", "nightly")).label());
    }

    @Test
    void oldFormatNamesStillWorkWithOneLineSaying() {
        Cli.Run c = Cli.run("compress", "--format", "npy", "--input", tmp.resolve("none.npy").toString(), "--out",
                tmp.resolve("c").toString(), "--progress", "none");
        assertEquals(1, c.err().lines().filter(l -> l.contains("deprecated")).count(), c.err());
        assertTrue(c.err().contains("sluice compress: --format is deprecated: use --output-format"), c.err());
        Cli.Run bad = Cli.run("compress", "--format", "zip", "--input", "x.npy", "--out", tmp.resolve("d").toString());
        assertTrue(bad.err().contains("--output-format must be parquet or npy, got 'zip'"), bad.err());
        Cli.Run p = Cli.run("pack", "--format", "csv", "--input", "x.jsonl", "--out", tmp.resolve("p").toString());
        assertEquals(2, p.code(), p.toString());
        assertTrue(p.err().contains("sluice pack: --format is deprecated: use --input-format"), p.err());
        assertTrue(p.err().contains("--input-format must be auto, jsonl, parquet, text or lines, got 'csv'"), p.err());
        Cli.Run fresh = Cli.run("pack", "--input-format", "csv", "--input", "x.jsonl", "--out",
                tmp.resolve("q").toString());
        assertFalse(fresh.err().contains("deprecated"), fresh.err());
    }
}
