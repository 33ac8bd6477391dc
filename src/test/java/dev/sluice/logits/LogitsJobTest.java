package dev.sluice.logits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import dev.sluice.testing.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice logits} on pack's output of the bundled Debian texts, with a small causal LM written by
 * scripts/teacher/make_teacher.py: every id and log-probability against the numpy reference (each piece run on its
 * own), the same bytes for 1 and 2 workers, for shard tasks and merge, and after kills; refusals before any work.
 */
class LogitsJobTest {
    static final int K = 16;
    static final int SAMPLES = 24;
    static final int SEQ_LEN = 512;

    @TempDir
    static Path dir;
    static Path teacher;
    static Path pack;

    @BeforeAll
    static void teacherAndPack() throws Exception {
        teacher = dir.resolve("teacher.onnx");
        python("scripts/teacher/make_teacher.py", teacher.toString(), "--vocab", "100277", "--dim", "32",
                "--layers", "1", "--seed", "5");
        pack = dir.resolve("pack");
        // Shards of about 17 sequences: the first 24 sequences span two shards, the cache's two units.
        Cli.Run r = Cli.run("pack", "--input", Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(),
                "--seq-len", String.valueOf(SEQ_LEN), "--shard-size", "100KB", "--progress", "none",
                "--tmp-dir", dir.toString(), "--out", pack.toString());
        assertEquals(0, r.code(), r.toString());
    }

    static void python(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", Cli.project().resolve(script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
    }

    private static List<String> args(Path out, int workers, String... more) {
        return args(out, workers, SAMPLES, more);
    }

    private static List<String> args(Path out, int workers, int samples, String... more) {
        List<String> a = new ArrayList<>(List.of("logits", "--input", pack.toString(), "--teacher", teacher.toString(),
                "--top-k", String.valueOf(K), "--max-samples", String.valueOf(samples), "--workers",
                String.valueOf(workers), "--memory-limit", "2GB", "--progress", "none", "--tmp-dir", dir.toString(),
                "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static Cli.Run logits(Path out, int workers, String... more) {
        return Cli.run(args(out, workers, more).toArray(String[]::new));
    }

    /** Pack's sequences (input_ids, cu_seqlens) and the cache's rows (seq, ids, logprobs), in order. */
    record Row(long seq, int[] inputIds, int[] cu, int[] ids, float[] logprobs) {}

    private static List<Row> rows(Path cache) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("WITH p AS (SELECT row_number() OVER () - 1 AS seq, input_ids, cu_seqlens "
                     + "FROM read_parquet('" + pack + "/train/*.parquet')), "
                     + "c AS (SELECT seq, ids, logprobs FROM read_parquet('" + cache + "/train/*.parquet')) "
                     + "SELECT c.seq, p.input_ids, p.cu_seqlens, c.ids, c.logprobs FROM c JOIN p USING (seq) "
                     + "ORDER BY c.seq")) {
            while (rs.next()) {
                rows.add(new Row(rs.getLong(1), ints(rs.getArray(2)), ints(rs.getArray(3)), ints(rs.getArray(4)),
                        floats(rs.getArray(5))));
            }
        }
        return rows;
    }

    private static int[] ints(java.sql.Array a) throws Exception {
        Object[] o = (Object[]) a.getArray();
        int[] out = new int[o.length];
        for (int i = 0; i < o.length; i++) {
            out[i] = ((Number) o[i]).intValue();
        }
        return out;
    }

    private static float[] floats(java.sql.Array a) throws Exception {
        Object[] o = (Object[]) a.getArray();
        float[] out = new float[o.length];
        for (int i = 0; i < o.length; i++) {
            out[i] = ((Number) o[i]).floatValue();
        }
        return out;
    }

    /** Half the float16 spacing at {@code x}: the most that rounding a log-probability to float16 moves it. */
    private static double halfUlp16(float x) {
        return Math.scalb(1.0, Math.max(Math.getExponent(x), -14) - 11);
    }

    @Test
    void everyIdAndLogprobEqualsTheReferenceWithEachPieceOnItsOwn() throws Exception {
        Path out = dir.resolve("cache");
        Cli.Run r = logits(out, 2);
        assertEquals(0, r.code(), r.toString());
        List<Row> rows = rows(out);
        assertEquals(SAMPLES, rows.size());
        // The pieces, as the reference runs them: each from position 0, nothing before it.
        List<Long> tokens = new ArrayList<>();
        List<Long> offsets = new ArrayList<>(List.of(0L));
        int pieces = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals(i, row.seq());
            int real = row.cu()[row.cu().length - 1];
            assertEquals(real * K, row.ids().length, "K ids per real token, none for padding");
            assertEquals(real * K, row.logprobs().length);
            for (int p = 0; p + 1 < row.cu().length; p++) {
                for (int t = row.cu()[p]; t < row.cu()[p + 1]; t++) {
                    tokens.add((long) row.inputIds()[t]);
                }
                offsets.add((long) tokens.size());
                pieces++;
            }
        }
        assertTrue(pieces > rows.size(), "sequences of several documents: " + pieces + " pieces");
        Map<String, long[]> arrays = new LinkedHashMap<>();
        arrays.put("tokens", tokens.stream().mapToLong(Long::longValue).toArray());
        arrays.put("offsets", offsets.stream().mapToLong(Long::longValue).toArray());
        Path in = dir.resolve("pieces.npz");
        Path ref = dir.resolve("reference.npz");
        Npz.writeLongs(in, arrays);
        python("scripts/teacher/reference_topk.py", teacher.toString(), in.toString(), ref.toString(),
                "--top-k", String.valueOf(K));
        Npz.Array refIds = Npz.read(ref, "ids");
        Npz.Array refLogprobs = Npz.read(ref, "logprobs");
        assertEquals(tokens.size(), refIds.shape()[0]);

        long position = 0;
        long swapped = 0;
        long entries = 0;
        for (Row row : rows) {
            int real = row.ids().length / K;
            for (int t = 0; t < real; t++, position++) {
                boolean differs = false;
                for (int j = 0; j < K; j++) {
                    float want = refLogprobs.getFloat(position * K + j);
                    float got = row.logprobs()[t * K + j];
                    // Ranked values agree to float16 rounding (plus ONNX Runtime's float32 against numpy's float64).
                    assertEquals(want, got, halfUlp16(want) + 1e-4, "sequence " + row.seq() + " token " + t
                            + " rank " + j);
                    int wantId = refIds.getInt(position * K + j);
                    int gotId = row.ids()[t * K + j];
                    if (wantId != gotId) {
                        // Only near-ties may trade places: the reference gives both ids all but equal logits.
                        differs = true;
                        float refOfGot = Float.NaN;
                        for (int jj = 0; jj < K; jj++) {
                            if (refIds.getInt(position * K + jj) == gotId) {
                                refOfGot = refLogprobs.getFloat(position * K + jj);
                            }
                        }
                        float bound = Float.isNaN(refOfGot) ? refLogprobs.getFloat(position * K + K - 1) : refOfGot;
                        assertEquals(want, bound, 1e-4, "sequence " + row.seq() + " token " + t + " rank " + j
                                + ": id " + gotId + " where the reference has " + wantId);
                    }
                    entries++;
                }
                if (differs) {
                    swapped++;
                }
            }
        }
        assertEquals(tokens.size(), position);
        assertTrue(swapped < position / 20, swapped + " of " + position + " tokens with near-ties in another order");
        System.out.printf("logits: %,d entries of %,d tokens equal to the reference (%d tokens with near-ties "
                + "swapped)%n", entries, position, swapped);
    }

    @Test
    void sameBytesForOneAndTwoWorkersAndForShardTasksMerged() throws Exception {
        Path one = dir.resolve("w1");
        Path two = dir.resolve("w2");
        assertEquals(0, logits(one, 1).code());
        assertEquals(0, logits(two, 2).code());
        Cli.assertSameOutput(one, two, "1 and 2 workers");
        Path tasks = dir.resolve("tasks");
        for (String shard : new String[] {"1/2", "0/2"}) {
            Cli.Run r = logits(tasks, 1, "--shard", shard);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("sluice merge"), r.err());
        }
        Cli.Run merged = Cli.run("merge", tasks.toString());
        assertEquals(0, merged.code(), merged.toString());
        Cli.assertSameOutput(one, tasks, "2 shard tasks and merge");
        Map<String, Object> manifest = dev.sluice.engine.Json.read(one.resolve("_manifest.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) manifest.get("parameters");
        assertEquals(100277, ((Number) p.get("vocab")).intValue());
        assertEquals(K, ((Number) p.get("top_k")).intValue());
        assertEquals(Teacher.sha256(teacher), p.get("teacher_sha256"));
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) manifest.get("totals");
        assertEquals((long) SAMPLES, ((Number) totals.get("sequences")).longValue());
        assertEquals(((Number) totals.get("tokens")).longValue() * K, ((Number) totals.get("entries")).longValue());
    }

    @Test
    void killedRunsResumeToTheSameBytes() throws Exception {
        Path trials = Files.createDirectories(dir.resolve("kills"));
        // 60 sequences: four pack shards, the cache's four units.
        KillResume.trials(trials, 4, 4, "shard(s)", (out, workers) -> args(out, workers, 60));
    }

    @Test
    void aTeacherWithTooSmallAVocabularyIsRefusedBeforeAnyWork() throws Exception {
        Path small = dir.resolve("small.onnx");
        python("scripts/teacher/make_teacher.py", small.toString(), "--vocab", "1000", "--dim", "8", "--seed", "1");
        Path out = dir.resolve("refused");
        Cli.Run r = Cli.run("logits", "--input", pack.toString(), "--teacher", small.toString(), "--out",
                out.toString(), "--progress", "none", "--tmp-dir", dir.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("vocabulary has 1,000 ids") && r.err().contains("token id 100,"), r.err());
        assertFalse(Files.exists(out.resolve("_plan.json")), "no plan: nothing started");
    }

    @Test
    void aRerunWithAnotherTopKOrTeacherIsRefused() throws Exception {
        Path out = dir.resolve("rerun");
        assertEquals(0, Cli.run(args(out, 2, 2).toArray(String[]::new)).code());
        List<String> a = args(out, 2, 2);
        a.set(a.indexOf("--top-k") + 1, "8");
        Cli.Run r = Cli.run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("(--top-k)"), r.err());
        Path other = dir.resolve("other.onnx");
        python("scripts/teacher/make_teacher.py", other.toString(), "--vocab", "100277", "--dim", "32", "--seed", "6");
        a = args(out, 2, 2);
        a.set(a.indexOf("--teacher") + 1, other.toString());
        r = Cli.run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--teacher-sha256"), r.err());
    }

    @Test
    void notAPackOutputIsRefusedWithWhatToGive() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Run r = Cli.run("logits", "--input", empty.toString(), "--teacher", teacher.toString(), "--out",
                dir.resolve("x").toString(), "--progress", "none");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("give the output directory of a finished sluice pack"), r.err());
    }
}
