package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * sql (and inspect and runs, on the same session) read only the output they were given and write nothing, unless
 * --allow-write and --allow-path say so. Each escape is tried on a real probe-rows output.
 */
class SqlConfinementTest {
    @TempDir
    static Path shared;
    static Path pristine;

    @TempDir
    Path elsewhere;
    @TempDir
    Path work;
    Path out;
    byte[] manifest;

    @BeforeAll
    static void job() {
        pristine = shared.resolve("out");
        Cli.Run r = Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time", "date",
                "--buckets", "2", "--progress", "none", "--memory-limit", "512MB", "--out", pristine.toString());
        assertEquals(0, r.code(), r.toString());
    }

    /** A copy of the job's output per test, so that a write one test lets through cannot change another's. */
    @BeforeEach
    void copyOutput() throws Exception {
        out = work.resolve("out");
        try (Stream<Path> s = Files.walk(pristine)) {
            for (Path p : s.toList()) {
                Files.copy(p, out.resolve(pristine.relativize(p).toString()));
            }
        }
        manifest = Files.readAllBytes(out.resolve("_manifest.json"));
    }

    private Cli.Run sql(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "sql";
        all[1] = out.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.run(all);
    }

    /** Exit code 2 and a message that names what was refused. */
    private static void refused(Cli.Run r, String what) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(what), r.toString());
    }

    private long trainRows() {
        Cli.Run r = sql("select count(*) from train", "--format", "csv");
        assertEquals(0, r.code(), r.toString());
        return Long.parseLong(r.out().strip().lines().toList().getLast());
    }

    @Test
    void copyOutsideIsRefused() {
        Path f = elsewhere.resolve("copy.csv");
        refused(sql("COPY (select 'x') TO '" + f + "'"), "refused COPY");
        assertFalse(Files.exists(f));
    }

    @ParameterizedTest
    @ValueSource(strings = {"select * from read_csv('/etc/passwd')", "select * from read_text('/etc/passwd')",
        "select * from glob('/etc/*')", "select * from read_text('OUT/../../../../../../etc/passwd')"})
    void readsOutsideAreRefused(String query) {
        refused(sql(query.replace("OUT", out.toString())), "Permission Error");
    }

    @Test
    void attachIsRefused() {
        Path f = elsewhere.resolve("evil.duckdb");
        refused(sql("ATTACH '" + f + "' AS evil"), "refused ATTACH");
        assertFalse(Files.exists(f));
    }

    @Test
    void aWriteAfterAQueryIsRefused() {
        Path f = elsewhere.resolve("second.csv");
        refused(sql("select 1; COPY (select 'x') TO '" + f + "'"), "refused COPY");
        assertFalse(Files.exists(f));
    }

    @Test
    void manifestCannotBeOverwritten() throws Exception {
        refused(sql("COPY (select 'x') TO '" + out.resolve("_manifest.json") + "'"), "refused COPY");
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("_manifest.json")));
    }

    @Test
    void noRowsCanBeAdded() {
        long rows = trainRows();
        Path shard = out.resolve("train/part-99999-00000.parquet");
        refused(sql("COPY (select * from train limit 3) TO '" + shard + "'"), "refused COPY");
        assertFalse(Files.exists(shard));
        assertEquals(rows, trainRows());
    }

    @ParameterizedTest
    @ValueSource(strings = {"INSTALL httpfs", "LOAD httpfs", "SET enable_external_access = true",
        "RESET allowed_directories", "PRAGMA enable_profiling", "CREATE TABLE t AS SELECT 1",
        "EXPORT DATABASE 'ELSEWHERE'", "EXPLAIN ANALYZE COPY (select 1) TO 'ELSEWHERE/e.csv'",
        "CALL pragma_version()", "DROP VIEW train"})
    void statementsThatChangeThingsAreRefused(String statement) throws Exception {
        Cli.Run r = sql(statement.replace("ELSEWHERE", elsewhere.toString()));
        String keyword = statement.startsWith("EXPLAIN") ? "COPY" : statement.substring(0, statement.indexOf(' '));
        refused(r, "refused " + keyword);
        assertTrue(r.err().contains("--allow-write"), r.toString());
        try (var files = Files.list(elsewhere)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void queriesStillWork() {
        for (String q : List.of("select count(*) from train", "with t as (select * from test) select count(*) from t",
                "from train limit 1", "describe train", "show tables", "summarize train", "explain select * from train",
                "select count(*) from runs", "select count(*) from manifest_shards",
                "select count(*) from read_parquet('" + out.resolve("train") + "/*.parquet')",
                "select count(*) from train; select count(*) from test")) {
            Cli.Run r = sql(q);
            assertEquals(0, r.code(), q + "\n" + r);
        }
        Cli.Run r = sql("select count(*) AS n from read_parquet('" + out.resolve("train") + "/*.parquet')", "--format",
                "csv");
        assertEquals("n\n" + trainRows(), r.out().strip());
    }

    @Test
    void inspectAndRunsStillWork() {
        Cli.Run inspect = Cli.run("inspect", out.toString(), "--json");
        assertEquals(0, inspect.code(), inspect.toString());
        assertTrue(inspect.out().contains("\"problems\" : [ ]"), inspect.out());
        Cli.Run runs = Cli.run("runs", out.toString(), "--json");
        assertEquals(0, runs.code(), runs.toString());
        assertTrue(runs.out().contains("probe-rows"), runs.out());
    }

    @Test
    void allowWriteCopiesIntoAnAllowedPath() throws Exception {
        Path f = elsewhere.resolve("x.csv");
        Cli.Run r = sql("COPY (select route from train order by route limit 3) TO '" + f + "'", "--allow-write",
                "--allow-path", elsewhere.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(4, Files.readAllLines(f).size(), "a header and three rows");
    }

    @Test
    void allowPathAloneReadsButDoesNotWrite() throws Exception {
        Files.writeString(elsewhere.resolve("in.csv"), "a\n1\n2\n");
        Cli.Run read = sql("select sum(a) AS s from read_csv('" + elsewhere.resolve("in.csv") + "')", "--format", "csv",
                "--allow-path", elsewhere.toString());
        assertEquals(0, read.code(), read.toString());
        assertEquals("s\n3", read.out().strip());
        Path f = elsewhere.resolve("y.csv");
        refused(sql("COPY (select 1) TO '" + f + "'", "--allow-path", elsewhere.toString()), "refused COPY");
        assertFalse(Files.exists(f));
    }

    @Test
    void allowWriteStillWritesNowhereElse() {
        Path f = elsewhere.resolve("z.csv");
        refused(sql("COPY (select 1) TO '" + f + "'", "--allow-write"), "Permission Error");
        assertFalse(Files.exists(f));
    }

    /** DuckDB may write wherever it may read: with --allow-write a write into the output is caught afterwards. */
    @Test
    void aWriteIntoTheOutputFailsEvenWithAllowWrite() {
        Cli.Run r = sql("COPY (select * from train limit 3) TO '" + out.resolve("train/part-99999-00000.parquet") + "'",
                "--allow-write", "--allow-path", elsewhere.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("changed or added files in the output"), r.toString());
    }

    @Test
    void allowPathOverlappingTheOutputIsRefusedForWrites() {
        refused(sql("select 1", "--allow-write", "--allow-path", work.toString()), "overlaps the output");
        refused(sql("select 1", "--allow-write", "--allow-path", out.resolve("train").toString()), "overlaps the output");
    }
}
