package dev.sluice.logits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.KillResume;
import dev.sluice.testing.LogitsReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        // Documents of at most 300 tokens, so that sequences hold many pieces; shards of about 17 sequences, so that
        // the first 24 sequences span two shards, the cache's two units.
        Cli.Run r = Cli.run("pack", "--input", Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(),
                "--seq-len", String.valueOf(SEQ_LEN), "--max-tokens", "300", "--shard-size", "100KB", "--progress", "none",
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

    @Test
    void everyIdAndLogprobEqualsTheReferenceWithEachPieceOnItsOwn() throws Exception {
        Path out = dir.resolve("cache");
        Cli.Run r = logits(out, 2);
        assertEquals(0, r.code(), r.toString());
        LogitsReference.Result checked = LogitsReference.check(pack, out, teacher, K, dir);
        assertEquals(SAMPLES, checked.sequences());
        assertEquals(checked.tokens() * K, checked.entries());
        assertTrue(checked.pieces() > 2 * checked.sequences(), "sequences of many documents: " + checked);
        System.out.println("logits: " + checked);
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
    void estimateGivesTheDiskWithinHalfOfTheRealOne() throws Exception {
        List<String> a = args(dir.resolve("unused"), 2);
        a.set(0, "logits");
        a.add(0, "estimate");
        int out = a.indexOf("--out");
        a.remove(out + 1);
        a.remove(out);
        a.add("--json");
        Cli.Run est = Cli.run(a.toArray(String[]::new));
        assertEquals(0, est.code(), est.toString());
        Map<String, Object> e = dev.sluice.engine.Json.read(Files.writeString(dir.resolve("estimate.json"), est.out()));
        Path real = dir.resolve("estimated");
        assertEquals(0, logits(real, 2).code());
        long bytes = 0;
        try (var files = Files.walk(real.resolve("train"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(f);
            }
        }
        double ratio = ((Number) e.get("output_bytes")).doubleValue() / bytes;
        assertTrue(ratio > 1 / 1.5 && ratio < 1.5, "estimated " + e.get("output_bytes") + " bytes, wrote " + bytes);
        assertTrue(String.valueOf(e.get("notes")).contains("x top " + K + " x 6 bytes"), est.out());
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
    void cudaWithoutOnnxRuntimesGpuBuildStopsBeforeAnyWork() {
        Path out = dir.resolve("cuda");
        Cli.Run r = logits(out, 2, "--device", "cuda");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("onnxruntime_gpu"), r.err());
        assertFalse(Files.exists(out.resolve("_plan.json")), "no plan: nothing started");
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
