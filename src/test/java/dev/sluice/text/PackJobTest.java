package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.cli.Main;
import dev.sluice.engine.Json;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.Progress;
import dev.sluice.io.TextInputs;
import dev.sluice.shard.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pack end to end on the Debian text sample, checked against jtokkit called directly. */
class PackJobTest {
    static final Path SAMPLE = Path.of(System.getProperty("sluice.project.dir", "."),
            "data-samples/text/debian-texts.jsonl");
    static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    static final int EOT = 100257;
    static List<String> texts;

    @TempDir
    Path tmp;

    @BeforeAll
    static void readSample() throws IOException {
        texts = readTexts();
        assertTrue(texts.size() > 10_000, "the sample has " + texts.size() + " documents");
    }

    // ---- helpers ----

    static List<String> readTexts() throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<String> t = new ArrayList<>();
        for (String line : Files.readAllLines(SAMPLE)) {
            t.add(m.readTree(line).get("text").asText());
        }
        return t;
    }

    PackConfig config(List<String> inputs, Path out, PackConfig.Dedup dedup, Path store, long maxSamples,
                      int seqLen, long shardSize) {
        return new PackConfig(inputs, null, "text", "cl100k_base", seqLen, maxSamples, dedup, store, 1, 0, false,
                PackConfig.Last.PARTIAL, shardSize, out);
    }

    JobContext ctx(int workers) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new JobContext(workers, OptionalLong.of(1L << 30), tmp, Progress.Mode.NONE, quiet, quiet);
    }

    PackJob.Result pack(PackConfig c, int workers) {
        return new PackJob(c, ctx(workers), InputStream.nullInputStream()).run();
    }

    /** The written sequences, in shard and row order. */
    static List<int[][]> readSequences(Path out) throws Exception {
        List<int[][]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT input_ids, cu_seqlens FROM read_parquet('"
                     + out.resolve("train/*.parquet") + "', filename = true, file_row_number = true) "
                     + "ORDER BY filename, file_row_number")) {
            while (rs.next()) {
                rows.add(new int[][] {ints(rs.getArray(1)), ints(rs.getArray(2))});
            }
        } catch (java.sql.SQLException e) {
            if (!Files.exists(out.resolve("train"))) {
                return rows;
            }
            throw e;
        }
        return rows;
    }

    static int[] ints(Array a) throws Exception {
        Object[] o = (Object[]) a.getArray();
        int[] out = new int[o.length];
        for (int i = 0; i < o.length; i++) {
            out[i] = (Integer) o[i];
        }
        return out;
    }

    /** Normalised texts compared as strings (no hashing): an independent reference for the dedup. */
    static String norm(String t) {
        return String.join(" ", Normalizer.normalize(t, Normalizer.Form.NFC).toLowerCase(Locale.ROOT).strip()
                .split("\\s+"));
    }

    static Map<String, Object> totals(Path out) {
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) Json.read(out.resolve("_manifest.json")).get("totals");
        return t;
    }

    static long total(Path out, String key) {
        return ((Number) totals(out).get(key)).longValue();
    }

    /** Checks that the output is exactly the kept documents' tokens, each followed by end-of-text, with boundaries. */
    static void assertPacked(Path out, List<int[]> keptTokens, int seqLen) throws Exception {
        List<Integer> expected = new ArrayList<>();
        List<Integer> docEnds = new ArrayList<>();
        for (int[] t : keptTokens) {
            for (int v : t) {
                expected.add(v);
            }
            expected.add(EOT);
            docEnds.add(expected.size());
        }
        List<int[][]> rows = readSequences(out);
        int pos = 0;
        int doc = 0;
        for (int r = 0; r < rows.size(); r++) {
            int[] ids = rows.get(r)[0];
            int[] cu = rows.get(r)[1];
            if (r < rows.size() - 1) {
                assertEquals(seqLen, ids.length, "row " + r);
            }
            List<Integer> wantCu = new ArrayList<>(List.of(0));
            while (doc < docEnds.size() && docEnds.get(doc) <= pos + ids.length) {
                wantCu.add(docEnds.get(doc++) - pos);
            }
            if (wantCu.get(wantCu.size() - 1) != ids.length) {
                wantCu.add(ids.length);
            }
            assertEquals(wantCu, toList(cu), "cu_seqlens of row " + r);
            for (int i = 0; i < ids.length; i++) {
                assertEquals(expected.get(pos + i), ids[i], "token " + (pos + i) + " (row " + r + ")");
            }
            pos += ids.length;
        }
        assertEquals(expected.size(), pos, "tokens written");
    }

    static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    /** Kept documents' tokens: non-empty, first occurrence of each normalised text among {@code docs}. */
    static List<int[]> expectedKept(List<String> docs, Set<String> seen) {
        List<int[]> kept = new ArrayList<>();
        for (String d : docs) {
            int[] t = CL100K.encodeOrdinary(d).toArray();
            if (t.length >= 1 && seen.add(norm(d))) {
                kept.add(t);
            }
        }
        return kept;
    }

    static Path writeJsonl(Path file, List<String> docs) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (String d : docs) {
            lines.add(m.writeValueAsString(Map.of("text", d)));
        }
        Files.write(file, lines);
        return file;
    }

    static int run(String... args) {
        return Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    static String runErr(int expectedCode, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedCode, code, msg);
        return msg;
    }

    // ---- tests ----

    @Test
    void tokensAndBoundariesMatchJtokkitOnTheKeptDocuments() throws Exception {
        Path out = tmp.resolve("out");
        PackJob.Result r = pack(config(List.of(SAMPLE.toString()), out, PackConfig.Dedup.EXACT, null, 0, 2048,
                200L << 20), 2);
        List<int[]> kept = expectedKept(texts, new HashSet<>());
        long tokens = kept.stream().mapToLong(t -> t.length).sum();
        assertEquals(texts.size(), r.documents());
        assertEquals(kept.size(), r.kept());
        assertEquals(texts.size() - kept.size(), total(out, "duplicates_in_run"));
        assertTrue(r.duplicates() > 100, "the sample has duplicates: " + r.duplicates());
        assertEquals(tokens, r.tokensKept());
        assertEquals(tokens + kept.size(), total(out, "tokens_written"));
        // No length filter: the tokens read are the kept documents' (duplicates are not tokenized).
        assertEquals(tokens, total(out, "tokens_read"));
        assertPacked(out, kept, 2048);
        assertEquals(List.of(), Manifest.verify(out));
    }

    @Test
    void sameBytesWithOneOrTwoWorkersAndShardsUnderTheCap() throws Exception {
        long cap = 256L << 10;
        Path one = tmp.resolve("w1");
        Path two = tmp.resolve("w2");
        pack(config(List.of(SAMPLE.toString()), one, PackConfig.Dedup.EXACT, null, 0, 512, cap), 1);
        PackJob.Result r = pack(config(List.of(SAMPLE.toString()), two, PackConfig.Dedup.EXACT, null, 0, 512, cap), 2);
        assertTrue(r.shards() > 2, "several shards: " + r.shards());
        List<Path> a = shards(one);
        List<Path> b = shards(two);
        assertEquals(a.stream().map(Path::getFileName).toList(), b.stream().map(Path::getFileName).toList());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Files.size(a.get(i)) <= cap, a.get(i) + " has " + Files.size(a.get(i)) + " bytes");
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
        assertEquals(Files.readString(one.resolve("_manifest.json")), Files.readString(two.resolve("_manifest.json")));
        assertPacked(two, expectedKept(texts, new HashSet<>()), 512);
    }

    static List<Path> shards(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.resolve("train"))) {
            return s.sorted().toList();
        }
    }

    @Test
    void dedupStoreCarriesHashesToTheNextRun() throws Exception {
        int n = texts.size();
        List<String> first = texts.subList(0, n * 6 / 10);
        List<String> second = texts.subList(n * 4 / 10, n);
        Path a = writeJsonl(tmp.resolve("a.jsonl"), first);
        Path b = writeJsonl(tmp.resolve("b.jsonl"), second);
        Path store = tmp.resolve("store");
        Path outA = tmp.resolve("outA");
        Path outB = tmp.resolve("outB");
        Set<String> seen = new HashSet<>();
        List<int[]> keptA = expectedKept(first, seen);
        Set<String> seenA = new HashSet<>(seen);
        List<int[]> keptB = expectedKept(second, seen);

        pack(config(List.of(a.toString()), outA, PackConfig.Dedup.EXACT, store, 0, 1024, 200L << 20), 2);
        pack(config(List.of(b.toString()), outB, PackConfig.Dedup.EXACT, store, 0, 1024, 200L << 20), 2);
        assertPacked(outA, keptA, 1024);
        assertPacked(outB, keptB, 1024);
        long ofStore = second.stream().filter(t -> !t.isEmpty() && seenA.contains(norm(t))).count();
        assertTrue(ofStore > 1000, "the halves overlap: " + ofStore);
        assertEquals(ofStore, total(outB, "duplicates_of_store"));
        assertEquals(second.size() - ofStore - keptB.size(), total(outB, "duplicates_in_run"));
        assertEquals(keptB.stream().mapToLong(t -> t.length).sum(), total(outB, "tokens_read"));
        assertEquals(keptA.size(), total(outA, "store_hashes_added"));
        assertEquals(keptA.size(), total(outB, "store_hashes_before"));
    }

    @Test
    void maxSamplesStopsTheReaderAtN() throws Exception {
        Path out = tmp.resolve("capped");
        PackJob.Result r = pack(config(List.of(SAMPLE.toString()), out, PackConfig.Dedup.NONE, null, 700, 2048,
                200L << 20), 2);
        assertEquals(700, r.documents());
        List<int[]> kept = new ArrayList<>();
        for (String t : texts.subList(0, 700)) {
            kept.add(CL100K.encodeOrdinary(t).toArray());
        }
        assertPacked(out, kept, 2048);
    }

    @Test
    void endlessStdinStopsAtTheCap() {
        // An input that never ends: without the cap the run would not finish.
        CountingEndless in = new CountingEndless();
        PackConfig c = new PackConfig(List.of("-"), null, "text", "cl100k_base", 128, 1000, PackConfig.Dedup.EXACT,
                null, 1, 0, false, PackConfig.Last.DROP, 200L << 20, tmp.resolve("stdin"));
        PackJob.Result r = new PackJob(c, ctx(2), in).run();
        assertEquals(1000, r.documents());
        assertEquals(1000, r.kept());
        assertTrue(in.lines < 1000 + 4000, "read " + in.lines + " lines for 1000 documents (one buffer ahead)");
    }

    /** Endless JSONL, each line a distinct document; counts the lines handed out. */
    static final class CountingEndless extends InputStream {
        long lines;
        private byte[] line = new byte[0];
        private int pos;

        @Override
        public int read() {
            if (pos >= line.length) {
                line = ("{\"text\": \"document number " + lines++ + " of an endless stream\"}\n")
                        .getBytes(StandardCharsets.UTF_8);
                pos = 0;
            }
            return line[pos++];
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = 0;
            while (n < len) {
                b[off + n++] = (byte) read();
            }
            return n;
        }
    }

    @Test
    void startUpEstimateAndReportFromTheCommandLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path dir = tmp.resolve("cli");
        int code = Main.run(new String[] {"pack", "--input", SAMPLE.toString(), "--seq-len", "1024", "--workers", "2",
                "--memory-limit", "1GB", "--progress", "none", "--out", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        assertTrue(log.matches("(?s).*pack: estimate from the first [\\d,]+ documents \\(\\d+\\.\\d% of the input\\): "
                + "about [\\d,]+ documents, [\\d,]+ of them kept, [\\d,]+ tokens, [\\d,]+ sequences, at most .*"), log);
        assertTrue(log.contains(String.format(Locale.ROOT, "duplicates %,d within the run",
                total(dir, "duplicates_in_run"))), log);
        assertTrue(log.contains("Memory Summary: start "), log);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(String.format(Locale.ROOT,
                "pack done: %,d documents read", texts.size())), out.toString(StandardCharsets.UTF_8));
        assertEquals(0, run("pack", "--help"));
    }

    @Test
    void inputThatIsNotARegularFileSaysWhatItIs() {
        Path out = tmp.resolve("never");
        String msg = runErr(3, "pack", "--input", "/dev/null", "--out", out.toString());
        assertFalse(msg.contains("not found"), "/dev/null exists: " + msg);
        assertTrue(msg.contains("--input /dev/null is a character device, not a regular file")
                && msg.contains("--input -"), msg);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void stdinOrUrlWithoutCapIsAUsageError() {
        Path out = tmp.resolve("never");
        String msg = runErr(2, "pack", "--input", "-", "--out", out.toString());
        assertTrue(msg.contains("--max-samples is required") && msg.contains("standard input"), msg);
        msg = runErr(2, "pack", "--input", "hf://datasets/HuggingFaceFW/fineweb/data/x.parquet", "--out",
                out.toString());
        assertTrue(msg.contains("--max-samples is required") && msg.contains("remote URL"), msg);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void parquetInputWithCapAndMissingColumn() throws Exception {
        Path pq = tmp.resolve("docs.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT id, text AS body FROM read_json('" + SAMPLE + "') ORDER BY id) TO '" + pq
                    + "' (FORMAT parquet, ROW_GROUP_SIZE 1000)");
        }
        String msg = runErr(3, "pack", "--input", pq.toString(), "--out", tmp.resolve("bad").toString());
        assertTrue(msg.contains("text column 'text' not found") && msg.contains("body"), msg);
        assertFalse(Files.exists(tmp.resolve("bad/_manifest.json")));

        Path out = tmp.resolve("pq");
        PackConfig c = new PackConfig(List.of(pq.toString()), null, "body", "cl100k_base", 2048, 3000,
                PackConfig.Dedup.NONE, null, 1, 0, false, PackConfig.Last.PARTIAL, 200L << 20, out);
        PackJob.Result r = new PackJob(c, ctx(2), InputStream.nullInputStream()).run();
        assertEquals(3000, r.documents());
        List<int[]> kept = new ArrayList<>();
        for (String t : texts.subList(0, 3000)) {
            kept.add(CL100K.encodeOrdinary(t).toArray());
        }
        assertPacked(out, kept, 2048);
    }

    @Test
    void lengthFilterAndTruncation() throws Exception {
        List<String> docs = texts.subList(0, 2000);
        Path in = writeJsonl(tmp.resolve("f.jsonl"), docs);
        Path drop = tmp.resolve("drop");
        Path trunc = tmp.resolve("trunc");
        PackConfig base = new PackConfig(List.of(in.toString()), null, "text", "cl100k_base", 256, 0,
                PackConfig.Dedup.NONE, null, 5, 100, false, PackConfig.Last.PAD, 200L << 20, drop);
        new PackJob(base, ctx(2), InputStream.nullInputStream()).run();
        PackConfig t = new PackConfig(List.of(in.toString()), null, "text", "cl100k_base", 256, 0,
                PackConfig.Dedup.NONE, null, 5, 100, true, PackConfig.Last.PAD, 200L << 20, trunc);
        new PackJob(t, ctx(2), InputStream.nullInputStream()).run();
        List<int[]> keptDrop = new ArrayList<>();
        List<int[]> keptTrunc = new ArrayList<>();
        long shortDocs = 0;
        long longDocs = 0;
        for (String d : docs) {
            int[] tok = CL100K.encodeOrdinary(d).toArray();
            if (tok.length < 5) {
                shortDocs++;
            } else if (tok.length > 100) {
                longDocs++;
                keptTrunc.add(java.util.Arrays.copyOf(tok, 100));
            } else {
                keptDrop.add(tok);
                keptTrunc.add(tok);
            }
        }
        assertTrue(shortDocs > 0 && longDocs > 0, shortDocs + " short, " + longDocs + " long");
        assertEquals(shortDocs, total(drop, "too_short"));
        assertEquals(longDocs, total(drop, "too_long"));
        assertEquals(longDocs, total(trunc, "truncated"));
        assertEquals(0, total(trunc, "too_long"));
        // With --last pad every row is full; the padding follows the last boundary.
        List<int[][]> rows = readSequences(trunc);
        int[][] last = rows.get(rows.size() - 1);
        assertEquals(256, last[0].length);
        int real = last[1][last[1].length - 1];
        assertEquals(256 - real, total(trunc, "pad_tokens"));
        for (int i = real; i < 256; i++) {
            assertEquals(EOT, last[0][i]);
        }
        assertPackedPadded(drop, keptDrop);
        assertPackedPadded(trunc, keptTrunc);
    }

    /** assertPacked for a run with --last pad: compares the real tokens (before the last boundary). */
    static void assertPackedPadded(Path out, List<int[]> kept) throws Exception {
        List<Integer> expected = new ArrayList<>();
        for (int[] t : kept) {
            for (int v : t) {
                expected.add(v);
            }
            expected.add(EOT);
        }
        List<Integer> got = new ArrayList<>();
        for (int[][] row : readSequences(out)) {
            int real = row[1][row[1].length - 1];
            for (int i = 0; i < real; i++) {
                got.add(row[0][i]);
            }
        }
        assertEquals(expected, got);
    }

    @Test
    void malformedLinesAreSkippedAndCounted() throws Exception {
        Path in = tmp.resolve("m.jsonl");
        Files.writeString(in, """
                {"text": "first document"}
                {"text": "broken
                not json at all

                {"other": 1}
                {"text": null}
                [1, 2]
                {"text": "second document"}
                """);
        Path out = tmp.resolve("m");
        PackJob.Result r = pack(config(List.of(in.toString()), out, PackConfig.Dedup.EXACT, null, 0, 64, 1L << 20), 1);
        assertEquals(2, r.documents());
        assertEquals(3, total(out, "malformed_lines"));
        assertEquals(2, total(out, "missing_text"));
        assertPacked(out, List.of(CL100K.encodeOrdinary("first document").toArray(),
                CL100K.encodeOrdinary("second document").toArray()), 64);
    }

    @Test
    void badInputsStopWithAClearError() throws Exception {
        Path noCol = tmp.resolve("nocol.jsonl");
        Files.writeString(noCol, "{\"content\": \"a\", \"id\": 1}\n");
        String msg = runErr(3, "pack", "--input", noCol.toString(), "--out", tmp.resolve("o1").toString());
        assertTrue(msg.contains("text column 'text' not found in " + noCol) && msg.contains("[content, id]")
                && msg.contains("--text-column"), msg);

        Path latin1 = tmp.resolve("latin1.jsonl");
        Files.write(latin1, "{\"text\": \"ok\"}\n{\"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        msg = runErr(3, "pack", "--input", latin1.toString(), "--out", tmp.resolve("o2").toString());
        assertTrue(msg.contains(latin1 + " line 2 is not valid UTF-8") && msg.contains("iconv"), msg);
        assertFalse(Files.exists(tmp.resolve("o2/_manifest.json")), "no output that looks complete");

        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "");
        msg = runErr(3, "pack", "--input", empty.toString(), "--out", tmp.resolve("o3").toString());
        assertTrue(msg.contains("no documents in " + empty) && msg.contains("empty"), msg);
        assertFalse(Files.exists(tmp.resolve("o3/_manifest.json")));

        msg = runErr(3, "pack", "--input", tmp.resolve("missing.jsonl").toString(), "--out",
                tmp.resolve("o4").toString());
        assertTrue(msg.contains("input file not found"), msg);
        msg = runErr(2, "pack", "--input", SAMPLE.toString(), "--tokenizer", "gpt5", "--out",
                tmp.resolve("o5").toString());
        assertTrue(msg.contains("--tokenizer must be"), msg);
    }

    @Test
    void badBytesFarIntoTheInputStopTheRunWithTheirLine() throws Exception {
        // The error surfaces while DuckDB is writing a shard; the message must still be the reader's.
        List<String> lines = Files.readAllLines(SAMPLE).subList(0, 6000);
        Path in = tmp.resolve("late.jsonl");
        try (var o = Files.newOutputStream(in)) {
            for (String l : lines) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            o.write("{\"text\": \"na\u00efve\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        Path out = tmp.resolve("late");
        String msg = runErr(3, "pack", "--input", in.toString(), "--seq-len", "256", "--shard-size", "256KB",
                "--out", out.toString());
        assertTrue(msg.contains("\nsluice pack: error: " + in + " line 6001 is not valid UTF-8"), msg);
        assertFalse(msg.contains("error while writing"), msg);
        assertTrue(Files.exists(out.resolve("train/part-00000-00000.parquet")), "shards before the error stay");
        assertFalse(Files.exists(out.resolve("_manifest.json")), "no manifest: the output is not complete");
    }

    @Test
    void gzipJsonlTextFilesAndLinesFromStdin() throws Exception {
        Path gz = tmp.resolve("d.jsonl.gz");
        try (var o = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(SAMPLE));
        }
        Path out = tmp.resolve("gz");
        PackJob.Result r = pack(config(List.of(gz.toString()), out, PackConfig.Dedup.EXACT, null, 0, 2048,
                200L << 20), 2);
        assertEquals(texts.size(), r.documents());
        assertPacked(out, expectedKept(texts, new HashSet<>()), 2048);

        Path dir = Files.createDirectories(tmp.resolve("txt"));
        Files.writeString(dir.resolve("b.txt"), "second file\nstill second");
        Files.writeString(dir.resolve("a.txt"), "First file.");
        Path txtOut = tmp.resolve("txtout");
        pack(config(List.of(dir + "/*.txt"), txtOut, PackConfig.Dedup.NONE, null, 0, 16, 1L << 20), 1);
        assertPacked(txtOut, List.of(CL100K.encodeOrdinary("First file.").toArray(),
                CL100K.encodeOrdinary("second file\nstill second").toArray()), 16);

        PackConfig lines = new PackConfig(List.of("-"), TextInputs.Format.LINES, "text", "cl100k_base", 16, 3,
                PackConfig.Dedup.EXACT, null, 1, 0, false, PackConfig.Last.PARTIAL, 1L << 20, tmp.resolve("lines"));
        new PackJob(lines, ctx(1), new java.io.ByteArrayInputStream(
                "one\n\nONE\ntwo\nthree\nfour\n".getBytes(StandardCharsets.UTF_8))).run();
        assertPacked(tmp.resolve("lines"), List.of(CL100K.encodeOrdinary("one").toArray(),
                CL100K.encodeOrdinary("two").toArray()), 16);
        assertEquals(1, total(tmp.resolve("lines"), "duplicates_in_run"));
    }

    @Test
    void rerunAfterACrashRedoesOnlyMissingUnits() throws Exception {
        Path out = tmp.resolve("resume");
        // Units of 2,000 documents: 8 units, several shards each.
        PackConfig c = new PackConfig(List.of(SAMPLE.toString()), null, "text", "cl100k_base", 512, 0,
                PackConfig.Dedup.EXACT, null, 1, 0, false, PackConfig.Last.PARTIAL, 256L << 10, out, 2000);
        pack(c, 2);
        byte[] manifest = Files.readAllBytes(out.resolve("_manifest.json"));
        List<Path> shards = shards(out);
        Path last = shards.get(shards.size() - 1);
        assertTrue(last.getFileName().toString().startsWith("part-00007-"), last.toString());
        byte[] lastShard = Files.readAllBytes(last);
        // Simulate a kill before the last unit committed and before the manifest.
        Files.delete(out.resolve("_manifest.json"));
        Files.delete(last);
        Files.delete(out.resolve("_units/unit-00007.json"));
        long firstModified = Files.getLastModifiedTime(shards.get(0)).toMillis();
        Thread.sleep(20);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        new PackJob(c, new JobContext(1, OptionalLong.of(1L << 30), tmp, Progress.Mode.NONE, err, err),
                InputStream.nullInputStream()).run();
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("resuming: 7 of 8 unit(s) already committed"), said);
        assertTrue(said.contains("1 of 8 unit(s) packed by this run"), said);
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("_manifest.json")));
        assertArrayEquals(lastShard, Files.readAllBytes(last));
        assertEquals(firstModified, Files.getLastModifiedTime(shards.get(0)).toMillis(), "committed shard kept");
    }
}
