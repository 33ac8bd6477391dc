package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.DuckSession;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input: a message that names the problem, the documented exit code, and no manifest. */
class ProbeRowsBadInputTest {
    @TempDir
    Path tmp;

    private Cli.Run probe(Path input, String key, String time, String... extra) {
        List<String> a = new ArrayList<>(List.of("probe-rows", "--input", input.toString(), "--key", key, "--time",
                time, "--progress", "none", "--memory-limit", "512MB", "--out", tmp.resolve("out").toString()));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    private void assertFails(Cli.Run r, int code, String... phrases) {
        assertEquals(code, r.code(), r.toString());
        for (String p : phrases) {
            assertTrue(r.err().contains(p), "stderr should contain '" + p + "':\n" + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out/_manifest.json")), "no manifest after a failed run");
    }

    private void sql(String statement) throws Exception {
        try (DuckSession d = new DuckSession(new DuckSession.Settings(256L << 20, 1, tmp.resolve("d"), 1))) {
            d.execute(statement);
        }
    }

    @Test
    void missingFile() {
        assertFails(probe(tmp.resolve("nope.parquet"), "route", "date"), 3, "input file not found", "nope.parquet");
        assertFails(probe(tmp.resolve("none-*.parquet"), "route", "date"), 3, "no files match", "none-*.parquet");
    }

    @Test
    void missingKeyOrTimeColumn() {
        assertFails(probe(Cli.flightsSample(), "airport", "date"), 3, "column 'airport' not found",
                "flights-sample.parquet", "[route, date, delay, distance]");
        assertFails(probe(Cli.flightsSample(), "route", "when"), 3, "column 'when' not found");
        assertFails(probe(Cli.flightsSample(), "route", "date", "--fields", "delay,gate"), 3,
                "--fields column 'gate' not found");
    }

    /**
     * A CSV whose header DuckDB cannot split as it splits the rows: the column list alone reads as if it held the
     * key ("[route;date;delay;distance]"), so the message says what the header parsed as and what to fix.
     */
    @Test
    void csvHeaderThatDoesNotParseSaysWhatItParsedAs() throws Exception {
        String rows = "A-B,2001-01-01 10:00:00,3,100\nA-C,2001-01-01 11:00:00,4,200\n";
        Path oneColumn = tmp.resolve("one-column.csv");
        Files.writeString(oneColumn, "route;date;delay;distance\nA-B 2001-01-01 10:00:00 3 100\n"
                + "A-C 2001-01-01 11:00:00 4 200\n");
        assertFails(probe(oneColumn, "route", "date"), 3, "column 'route' not found", "one-column.csv",
                "header parsed as one column named 'route;date;delay;distance'", "delimiter");

        Path quote = tmp.resolve("quote.csv");
        Files.writeString(quote, "\"route,date,delay,distance\n" + rows);
        assertFails(probe(quote, "route", "date"), 3, "column 'route' not found", "quote.csv",
                "column '\"route'", "unterminated quote");

        Path noHeader = tmp.resolve("no-header.csv");
        Files.writeString(noHeader, "route;date;delay;distance\n" + rows);
        assertFails(probe(noHeader, "route", "date"), 3, "column 'route' not found", "no-header.csv",
                "no header line", "delimiter");
    }

    @Test
    void textTimeThatDoesNotParse() throws Exception {
        Path csv = tmp.resolve("bad-time.csv");
        Files.writeString(csv, "route,date,delay\nA-B,2001-01-01 10:00:00,3\nA-B,yesterday at noon,4\n");
        assertFails(probe(csv, "route", "date"), 3, "time column 'date'", "'yesterday at noon' does not parse");
    }

    @Test
    void textTimeThatParsesIsAccepted() throws Exception {
        Path csv = tmp.resolve("text-time.csv");
        Files.writeString(csv, "route,date,delay\nA-B,2001-01-01 10:00:00,3\nA-B,2001-01-01 09:00:00,4\n");
        Cli.Run r = probe(csv, "route", "date", "--fields", "delay");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(tmp.resolve("out/_manifest.json")));
    }

    @Test
    void wrongTimeType() throws Exception {
        Path p = tmp.resolve("bool-time.parquet");
        sql("COPY (SELECT 'a' AS route, true AS date, 1 AS v) TO '" + p + "'");
        assertFails(probe(p, "route", "date"), 3, "time column 'date'", "has type BOOLEAN");
    }

    @Test
    void emptyInput() throws Exception {
        Path p = tmp.resolve("empty.parquet");
        sql("COPY (SELECT 'a' AS route, TIMESTAMP '2001-01-01' AS date, 1 AS v LIMIT 0) TO '" + p + "'");
        assertFails(probe(p, "route", "date"), 3, "no measurements in", "empty.parquet", "the input is empty");
        Path csv = tmp.resolve("header-only.csv");
        Files.writeString(csv, "route,date,v\n");
        assertFails(probe(csv, "route", "date"), 3, "no measurements in", "header-only.csv");
    }

    @Test
    void corruptParquet() throws Exception {
        Path p = tmp.resolve("corrupt.parquet");
        byte[] good = Files.readAllBytes(Cli.flightsSample());
        byte[] bad = java.util.Arrays.copyOf(good, good.length / 2);
        Files.write(p, bad);
        assertFails(probe(p, "route", "date"), 3, "corrupt.parquet");
    }

    @Test
    void usageErrors() throws Exception {
        assertFails(probe(Cli.flightsSample(), "route", "date", "--max-len", "0"), 2, "--max-len must be at least 1");
        assertFails(probe(Cli.flightsSample(), "route", "date", "--test-fraction", "1.5"), 2, "--test-fraction");
        assertFails(probe(Cli.flightsSample(), "route", "date", "--colour", "blue"), 2, "Unrecognized option: --colour");
        assertFails(Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date",
                "--memory-limit", "lots", "--out", tmp.resolve("out").toString()), 2, "cannot read size 'lots'");
        Cli.Run noKey = Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--time", "date", "--out",
                tmp.resolve("out").toString());
        assertFails(noKey, 2, "--key is required");
        assertEquals(2, Cli.run("frobnicate").code());
    }

    @Test
    void fieldNamedLikeAnOutputColumnIsRefusedWhateverItsCase() throws Exception {
        Path csv = tmp.resolve("n-field.csv");
        Files.writeString(csv, "route,date,N\nA-B,2001-01-01 10:00:00,3\n");
        assertFails(probe(csv, "route", "date"), 2, "column 'N' would appear twice in the output");
    }

    @Test
    void outputDirectoryThatIsAFile() throws Exception {
        Path file = tmp.resolve("out");
        Files.writeString(file, "not a directory");
        Cli.Run r = probe(Cli.flightsSample(), "route", "date");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("is a file, not a directory"), r.err());
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void secondRunOnTheSameOutputIsLockedOut() {
        try (dev.sluice.shard.OutputDir held = dev.sluice.shard.OutputDir.open(tmp.resolve("out"))) {
            Cli.Run r = probe(Cli.flightsSample(), "route", "date");
            assertFails(r, 2, "another sluice run is writing to");
        }
        assertEquals(0, probe(Cli.flightsSample(), "route", "date").code(), "free again once the lock is released");
    }

    @Test
    void rerunWithOtherParametersIsRefused() {
        assertEquals(0, probe(Cli.flightsSample(), "route", "date", "--buckets", "2").code());
        Cli.Run r = probe(Cli.flightsSample(), "route", "date", "--buckets", "2", "--max-len", "7");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("already holds output of a run with other parameters"), r.err());
    }
}
