package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.Json;
import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pack as shard tasks, then merge: the same bytes as one process, the work really split (each task reads and
 * tokenizes only its own units, from the index the first task writes), dedup across the tasks' units the same as
 * in one process, in every local input format; a killed task resumes; a damaged index is a clear error.
 */
class PackShardTest {
    static final Path SAMPLE = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
    /** 15,645 documents in units of 2,000: 8 units, the last of 1,645. */
    static final int UNITS = 8;

    @TempDir
    Path tmp;

    private Cli.Run pack(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("pack", "--input", SAMPLE.toString(), "--seq-len", "512",
                "--shard-size", "256KB", "--unit-docs", "2000", "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    /**
     * A figure of the run records of {@code out} ("tokens": tokenized, "rows_in": documents read), summed by shard
     * ("0/1" for a whole run).
     */
    private static Map<String, Long> byShard(Path out, String key) throws Exception {
        Map<String, Long> sums = new TreeMap<>();
        try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
            for (Path f : s.toList()) {
                Map<String, Object> r = Json.read(f);
                sums.merge((String) r.get("shard"), ((Number) r.get(key)).longValue(), Long::sum);
            }
        }
        return sums;
    }

    @Test
    void threeTasksAndMergeEqualOneProcess() throws Exception {
        Path single = tmp.resolve("single");
        Cli.Run one = pack(single, "--workers", "2");
        assertEquals(0, one.code(), one.toString());
        Path tasks = tmp.resolve("tasks");
        // Tasks 2 and 0 at once (one output, shared lock, both recording the number of units), then a merge
        // before task 1 has run.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Future<Cli.Run> t2 = threads.submit(() -> pack(tasks, "--shard", "2/3", "--workers", "1"));
        Future<Cli.Run> t0 = threads.submit(() -> pack(tasks, "--shard", "0/3", "--workers", "1"));
        threads.shutdown();
        for (int i : new int[] {2, 0}) {
            Cli.Run r = (i == 2 ? t2 : t0).get();
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("pack: shard task " + i + "/3: units u with u mod 3 = " + i), r.err());
            assertTrue(r.err().contains("when every task is done, run: sluice merge"), r.err());
        }
        assertFalse(Files.exists(tasks.resolve("_manifest.json")), "no manifest before the merge");
        Cli.Run early = Cli.run("merge", tasks.toString());
        assertEquals(3, early.code(), early.toString());
        assertTrue(early.err().contains("3 of 8 unit(s) not committed: 1, 4, 7; they belong to shard task(s) 1 of 3"),
                early.err());
        Cli.Run last = pack(tasks, "--shard", "1/3", "--workers", "1");
        assertEquals(0, last.code(), last.toString());
        assertTrue(last.err().contains("(3 of 8 unit(s))"), "the earlier tasks recorded the units: " + last.err());
        Cli.Run merge = Cli.run("merge", tasks.toString());
        assertEquals(0, merge.code(), merge.toString());
        assertTrue(merge.out().contains("merged 8 unit(s)"), merge.out());

        Cli.assertSameOutput(single, tasks, "between one process and shard tasks + merge");
        TreeMap<String, byte[]> a = Cli.outputFiles(single);
        long records = a.keySet().stream().filter(k -> k.startsWith("_units/")).count();
        assertEquals(UNITS, records, a.keySet().toString());
        assertTrue(a.containsKey("train/part-00000-00001.parquet"), "a unit over --shard-size has parts: "
                + a.keySet());
        assertTrue(a.containsKey("train/part-00007-00000.parquet"), a.keySet().toString());
        assertEquals(0, Cli.run("inspect", tasks.toString()).code());

        // The work is split: each task tokenized exactly the documents of its own units, and no others.
        Map<String, Long> byTask = byShard(tasks, "tokens");
        long[] unitTokens = new long[3];
        for (int u = 0; u < UNITS; u++) {
            Path record = tasks.resolve(String.format(Locale.ROOT, "_units/unit-%05d.json", u));
            unitTokens[u % 3] += ((Number) Json.read(record).get("tokens_read")).longValue();
        }
        assertEquals(Map.of("0/3", unitTokens[0], "1/3", unitTokens[1], "2/3", unitTokens[2]), byTask);
        assertEquals(Map.of("0/1", unitTokens[0] + unitTokens[1] + unitTokens[2]), byShard(single, "tokens"));
        // And read: each task read the documents of its own units only, from their positions in the index that
        // the first task wrote; the merge removes the index.
        long[] unitDocs = new long[3];
        for (int u = 0; u < UNITS; u++) {
            Path record = tasks.resolve(String.format(Locale.ROOT, "_units/unit-%05d.json", u));
            unitDocs[u % 3] += ((Number) Json.read(record).get("documents_read")).longValue();
        }
        assertEquals(Map.of("0/3", unitDocs[0], "1/3", unitDocs[1], "2/3", unitDocs[2]), byShard(tasks, "rows_in"));
        assertEquals(1, Stream.of(t2.get(), t0.get(), last).filter(r -> r.err().contains("pack: indexed 15,645 "
                + "documents in 8 unit(s)")).count(), "one task indexed the input");
        assertFalse(Files.exists(tasks.resolve("_scratch")), "merge removes the index");

        // Dedup across units (and so across tasks) keeps each text's first occurrence in the input, as jtokkit says.
        Set<String> seen = new HashSet<>();
        List<int[]> kept = PackJobTest.expectedKept(PackJobTest.readTexts(), seen);
        long tokens = kept.stream().mapToLong(t -> t.length).sum();
        Map<String, Object> totals = PackJobTest.totals(tasks);
        assertEquals(15_645L, ((Number) totals.get("documents_read")).longValue());
        assertEquals(kept.size(), ((Number) totals.get("documents_kept")).longValue());
        assertEquals(tokens, ((Number) totals.get("tokens_kept")).longValue());
        assertEquals(tokens + kept.size(), ((Number) totals.get("tokens_written")).longValue(),
                "--last partial: every kept token and one end-of-text per document");
        assertEquals(100257L, ((Number) totals.get("end_of_text_id")).longValue());
    }

    /**
     * Every local format read from the index's positions: gzip'd JSONL (re-read from the file's start, lines
     * skipped), Parquet in two files of small row groups with null texts (a row-number filter per file), also
     * under --max-samples, plain lines in two files (byte offsets), and whole files as documents.
     */
    @Test
    void everyFormatReadsItsUnitsFromTheirPositions() throws Exception {
        List<String> texts = PackJobTest.readTexts().subList(0, 3000);
        Path gz = tmp.resolve("docs.jsonl.gz");
        try (var o = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(SAMPLE, o);
        }
        Path[] pq = {tmp.resolve("a.parquet"), tmp.resolve("b.parquet")};
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (int i = 0; i < 2; i++) {
                s.execute(String.format(Locale.ROOT, "COPY (SELECT CASE WHEN id %% 97 = 5 THEN NULL ELSE text END "
                        + "AS text FROM read_json('%s') WHERE id %% 2 = %d ORDER BY id) TO '%s' "
                        + "(FORMAT parquet, ROW_GROUP_SIZE 500)", SAMPLE, i, pq[i]));
            }
        }
        Path[] lines = {tmp.resolve("a.lines"), tmp.resolve("b.lines")};
        Files.write(lines[0], texts.subList(0, 1700).stream().map(t -> t.replace('\n', ' ')).toList());
        Files.write(lines[1], texts.subList(1700, 3000).stream().map(t -> t.replace('\n', ' ')).toList());
        Path dir = Files.createDirectories(tmp.resolve("texts"));
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            Path f = dir.resolve(String.format(Locale.ROOT, "doc-%03d.txt", i));
            Files.writeString(f, texts.get(i * 7));
            files.add(f.toString());
        }
        record Input(String name, List<String> paths, String format, int unitDocs, List<String> extra) {}
        List<String> parquet = List.of(pq[0].toString(), pq[1].toString());
        for (Input in : List.of(new Input("gzip", List.of(gz.toString()), "jsonl", 1500, List.of()),
                new Input("parquet", parquet, "parquet", 1100, List.of()),
                // The cap, a LIMIT for DuckDB, ends the last unit inside the second file.
                new Input("parquet-capped", parquet, "parquet", 1100, List.of("--max-samples", "12000")),
                new Input("lines", List.of(lines[0].toString(), lines[1].toString()), "lines", 400, List.of()),
                new Input("text", files, "text", 25, List.of()))) {
            List<String> args = new ArrayList<>(List.of("pack", "--format", in.format(), "--seq-len", "256",
                    "--unit-docs", String.valueOf(in.unitDocs()), "--progress", "none", "--memory-limit", "512MB",
                    "--tmp-dir", tmp.toString()));
            args.addAll(in.extra());
            in.paths().forEach(f -> args.addAll(List.of("--input", f)));
            Path single = tmp.resolve(in.name() + "-one");
            Path tasks = tmp.resolve(in.name() + "-tasks");
            Cli.Run one = run(args, "--out", single.toString());
            assertEquals(0, one.code(), one.toString());
            for (String shard : List.of("2/3", "0/3", "1/3")) {
                Cli.Run r = run(args, "--out", tasks.toString(), "--shard", shard);
                assertEquals(0, r.code(), in.name() + " " + shard + "\n" + r);
            }
            Cli.Run merge = Cli.run("merge", tasks.toString());
            assertEquals(0, merge.code(), merge.toString());
            Cli.assertSameOutput(single, tasks, in.name() + ": one process and shard tasks + merge");
            long units = ((Number) Json.read(single.resolve("_manifest.json")).get("units")).longValue();
            assertTrue(units >= 4, in.name() + ": " + units + " units, so every task has some");
            assertTrue(PackJobTest.total(single, "duplicates_in_run") > 0 || in.name().equals("text"),
                    in.name() + ": duplicates to carry across tasks");
        }
        long capped = PackJobTest.total(tmp.resolve("parquet-capped-one"), "documents_read");
        assertTrue(capped <= 12000 && capped > 11000, "the cap holds, inside the second file: " + capped);
        assertTrue(PackJobTest.total(tmp.resolve("parquet-one"), "missing_text") > 0, "null texts counted");
    }

    @Test
    void killedTaskResumesFromTheIndex() throws Exception {
        // Task 0 of 2 owns 27 of the 53 units; each trial kills it after a random number of them (0: before any).
        KillResume.trials(tmp, 27, 10, "unit(s)", (out, workers) -> List.of("pack", "--input", SAMPLE.toString(),
                "--seq-len", "256", "--unit-docs", "300", "--shard-size", "1MB", "--shard", "0/2",
                "--workers", String.valueOf(workers), "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
    }

    @Test
    void indexOnlyRunsOnceBeforeTheTasks() throws Exception {
        Path single = tmp.resolve("single");
        assertEquals(0, pack(single).code());
        Path tasks = tmp.resolve("tasks");
        Cli.Run refused = pack(tasks, "--index-only", "--shard", "0/2");
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("run it once, without --shard"), refused.err());
        Cli.Run index = pack(tasks, "--index-only");
        assertEquals(0, index.code(), index.toString());
        assertTrue(index.out().contains("pack --index-only done: 15,645 documents in 8 unit(s)"), index.out());
        assertTrue(Files.exists(tasks.resolve("_scratch/" + DocumentIndex.FILE)));
        assertFalse(Files.exists(tasks.resolve("train")), "nothing packed");
        for (String shard : List.of("1/2", "0/2")) {
            Cli.Run r = pack(tasks, "--shard", shard);
            assertEquals(0, r.code(), r.toString());
            assertFalse(r.err().contains("indexing the input"), "the tasks read the index: " + r.err());
        }
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
        Cli.assertSameOutput(single, tasks, "--index-only, then shard tasks + merge");
        // sluice runs lists the three runs (it once failed on pack's records, which had no rows_out).
        Cli.Run runs = Cli.run("runs", tasks.toString());
        assertEquals(0, runs.code(), runs.toString());
        assertTrue(runs.out().contains("(3 rows)") && runs.out().contains("| 0/1 ") && runs.out().contains("| 1/2 "),
                runs.out());
    }

    @Test
    void aDamagedIndexIsAnErrorThatSaysWhatToDo() throws Exception {
        Path out = tmp.resolve("damaged");
        assertEquals(0, pack(out, "--shard", "0/2").code());
        Path index = out.resolve("_scratch/" + DocumentIndex.FILE);
        byte[] b = Files.readAllBytes(index);
        Files.write(index, java.util.Arrays.copyOf(b, b.length - 5));
        Cli.Run r = pack(out, "--shard", "1/2");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("cannot read the shard tasks' index " + index) && r.err().contains("delete it"),
                r.err());
        Files.delete(index);
        assertEquals(0, pack(out, "--shard", "1/2").code());
        assertEquals(0, Cli.run("merge", out.toString()).code());
    }

    @Test
    void badLinesAndFiltersCountTheSameInTasksAsInOneProcess() throws Exception {
        // Malformed lines and records without text between documents, at a unit's edge and after the last
        // document; duplicates across units; a document too short; units of two documents.
        Path in = tmp.resolve("small.jsonl");
        Files.writeString(in, """
                {"text": "one"}
                not json
                {"text": "two words"}
                {"text": null}
                {"text": "ONE"}
                {"text": "three more words here"}
                [1]
                {"text": "x"}
                {"text": "two  words"}
                {"text": "four is the last"}
                {"no": "text"}
                """);
        List<String> args = List.of("pack", "--input", in.toString(), "--seq-len", "8", "--unit-docs", "2",
                "--min-tokens", "2", "--progress", "none", "--memory-limit", "512MB", "--tmp-dir", tmp.toString());
        Path single = tmp.resolve("one");
        Path tasks = tmp.resolve("two");
        assertEquals(0, run(args, "--out", single.toString()).code());
        for (String shard : List.of("1/2", "0/2")) {
            Cli.Run r = run(args, "--out", tasks.toString(), "--shard", shard);
            assertEquals(0, r.code(), r.toString());
        }
        assertEquals(0, Cli.run("merge", tasks.toString()).code());
        TreeMap<String, byte[]> a = Cli.outputFiles(single);
        TreeMap<String, byte[]> b = Cli.outputFiles(tasks);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k);
        }
        Map<String, Object> t = PackJobTest.totals(single);
        assertEquals(4L, ((Number) Json.read(single.resolve("_manifest.json")).get("units")).longValue());
        assertEquals(7L, ((Number) t.get("documents_read")).longValue());
        assertEquals(2L, ((Number) t.get("malformed_lines")).longValue());
        assertEquals(2L, ((Number) t.get("missing_text")).longValue());
        // "ONE" and "two  words" repeat earlier units' texts; "one" is one token, so too short, and "x" too.
        assertEquals(2L, ((Number) t.get("duplicates_in_run")).longValue());
        assertEquals(2L, ((Number) t.get("too_short")).longValue());
        assertEquals(3L, ((Number) t.get("documents_kept")).longValue());
        // The last unit takes the record without text after the last document.
        assertEquals(1L, ((Number) Json.read(single.resolve("_units/unit-00003.json")).get("missing_text"))
                .longValue());
    }

    private static Cli.Run run(List<String> args, String... extra) {
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    @Test
    void shardTasksRefuseADedupStoreAndStdin() {
        Path out = tmp.resolve("refused");
        Cli.Run store = pack(out, "--shard", "0/2", "--dedup-store", tmp.resolve("store").toString());
        assertEquals(2, store.code(), store.toString());
        assertTrue(store.err().contains("--dedup-store cannot be used by shard task 0/2"), store.err());
        Cli.Run stdin = Cli.run("pack", "--input", "-", "--max-samples", "10", "--shard", "1/2", "--out",
                out.toString());
        assertEquals(2, stdin.code(), stdin.toString());
        assertTrue(stdin.err().contains("shard task 1/2 needs input files") && stdin.err().contains("standard input"),
                stdin.err());
        assertFalse(Files.exists(out), "nothing written");
        Cli.Run merge = Cli.run("merge", out.toString());
        assertEquals(3, merge.code(), merge.toString());
    }
}
