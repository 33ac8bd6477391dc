package dev.sluice.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.Json;
import dev.sluice.testing.Cli;
import dev.sluice.testing.LocalServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sluice estimate} against the real run of the same job on the samples, each in a fresh JVM: rows out,
 * output disk, temp disk, peak memory and time within 2x.
 */
class EstimateTest {
    @TempDir
    Path tmp;

    static List<String> jobArgs(String job) {
        Path p = Cli.project();
        return switch (job) {
            case "probe-rows" -> List.of("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route",
                    "--time", "date", "--max-len", "256");
            case "compress" -> List.of("compress", "--input",
                    p.resolve("data-samples/embeddings/base.npy").toString(), "--method", "pq", "--m", "16");
            default -> List.of("pack", "--input", p.resolve("data-samples/text/debian-texts.jsonl").toString(),
                    "--seq-len", "512");
        };
    }

    /** What the child wrote to stdout, its wall time, and the peak size of its temp directory. */
    record Child(String out, double seconds, long tmpPeak) {}

    Child child(List<String> args, Path tmpDir) throws Exception {
        Files.createDirectories(tmpDir);
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--memory-limit", "1GB", "--workers", "2", "--tmp-dir", tmpDir.toString(), "--progress",
                "none"));
        Path out = tmp.resolve("child.out");
        Path err = tmp.resolve("child.err");
        long t0 = System.nanoTime();
        Process p = Cli.childJvm("200m", all).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        long peak = 0;
        while (p.isAlive()) {
            peak = Math.max(peak, SampleRuns.bytesUnder(tmpDir, null));
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, p.exitValue(), String.join(" ", all) + "\n" + Files.readString(err));
        return new Child(Files.readString(out, StandardCharsets.UTF_8), seconds, peak);
    }

    static void within2x(String job, String what, double estimate, double real) {
        assertTrue(estimate <= 2 * real && real <= 2 * estimate, String.format(Locale.ROOT,
                "%s: %s estimated %.4g, real %.4g: not within 2x", job, what, estimate, real));
    }

    /**
     * The machine is shared: a load spike during one of the two timed runs says nothing about the model, so the
     * time is checked on up to three estimate-and-run pairs (every pair is printed); the rest on the first.
     */
    @ParameterizedTest
    @ValueSource(strings = {"probe-rows", "compress", "pack"})
    void estimateIsWithinTwiceTheRealRun(String job) throws Exception {
        List<String> times = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            Path out = tmp.resolve("out-" + attempt);
            List<String> est = new ArrayList<>(List.of("estimate"));
            est.addAll(jobArgs(job));
            est.addAll(List.of("--out", out.toString(), "--json"));
            String estimate = child(est, tmp.resolve("tmp-estimate")).out();
            Map<String, Object> e = new ObjectMapper().readValue(estimate, Map.class);
            List<String> run = new ArrayList<>(jobArgs(job));
            run.addAll(List.of("--out", out.toString()));
            Child real = child(run, tmp.resolve("tmp-run"));
            System.out.printf(Locale.ROOT, "estimate %s: %s%nreal: %.2f s, temp peak %d%n", job, e, real.seconds(),
                    real.tmpPeak());
            if (attempt == 0) {
                Map<String, Object> record;
                try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
                    record = Json.read(s.findFirst().orElseThrow());
                }
                String rowsKey = job.equals("pack") ? "sequences" : "rows_out";
                within2x(job, "rows out", num(e, "rows_out"), num(record, rowsKey));
                within2x(job, "output bytes", num(e, "output_bytes"), SampleRuns.bytesUnder(out, "_runs"));
                within2x(job, "peak memory", num(e, "peak_memory_bytes"), num(record, "rss_peak_bytes"));
                if (real.tmpPeak() > (1 << 20) || num(e, "tmp_bytes") > (1 << 20)) {
                    within2x(job, "temp bytes", num(e, "tmp_bytes"), real.tmpPeak());
                }
                assertTrue(num(e, "tmp_bytes") > 0 || real.tmpPeak() == 0, job + ": temp disk used, none estimated");
            }
            double est2 = num(e, "seconds");
            times.add(String.format(Locale.ROOT, "estimated %.2f s, real %.2f s", est2, real.seconds()));
            if (est2 <= 2 * real.seconds() && real.seconds() <= 2 * est2) {
                return;
            }
        }
        throw new AssertionError(job + ": time not within 2x in three attempts: " + times);
    }

    /**
     * With --shard, a task's share: a quarter of the rows out and of the work's time (plus a start), and a real
     * task 1 of 4 (two of the sample's 8 buckets; the first task to start, so it plans too) within 2x of it.
     */
    @org.junit.jupiter.api.Test
    void aShardTasksShareIsWithinTwiceARealTask() throws Exception {
        List<String> args = new ArrayList<>(jobArgs("probe-rows"));
        args.addAll(List.of("--buckets", "8"));
        Path out = tmp.resolve("tasks");
        List<String> est = new ArrayList<>(List.of("estimate"));
        est.addAll(args);
        est.addAll(List.of("--out", out.toString(), "--json", "--shard", "1/4"));
        @SuppressWarnings("unchecked")
        Map<String, Object> e = new ObjectMapper().readValue(child(est, tmp.resolve("tmp-estimate")).out(), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> task = (Map<String, Object>) e.get("per_task");
        assertEquals(4, num(task, "tasks"));
        assertEquals(Math.round(num(e, "rows_out") / 4), num(task, "rows_out"), 1);
        assertTrue(num(task, "seconds") < num(e, "seconds"), task + " against " + e);
        List<String> run = new ArrayList<>(args);
        run.addAll(List.of("--out", out.toString(), "--shard", "1/4"));
        Child real = child(run, tmp.resolve("tmp-run"));
        Map<String, Object> record;
        try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
            record = Json.read(s.findFirst().orElseThrow());
        }
        System.out.printf(Locale.ROOT, "estimate per task: %s%nreal task 1/4: %.2f s, %s rows%n", task,
                real.seconds(), record.get("rows_out"));
        within2x("probe-rows task 1/4", "rows out", num(task, "rows_out"), num(record, "rows_out"));
    }

    /**
     * compress over a URL: estimated on the copy compress would make, up to --max-vectors (one GET); standard
     * input is refused, since sampling would consume it.
     */
    @org.junit.jupiter.api.Test
    void compressOverAUrlIsEstimatedOnItsCopyAndStandardInputIsRefused() throws Exception {
        byte[] npy = Files.readAllBytes(Cli.project().resolve("data-samples/embeddings/base.npy"));
        try (LocalServer server = new LocalServer()) {
            server.file("/emb/base.npy", npy);
            Cli.Run r = Cli.run("estimate", "compress", "--input", server.base() + "/emb/base.npy", "--max-vectors",
                    "600", "--method", "sq8", "--out", tmp.resolve("url").toString(), "--json", "--tmp-dir",
                    tmp.toString(), "--progress", "none");
            assertEquals(0, r.code(), r.toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> e = new ObjectMapper().readValue(r.out(), Map.class);
            assertEquals(600, num(e, "rows_out"), r.out());
            assertEquals(1, server.requests().size(), server.requests().toString());
        }
        Cli.Run stdin = Cli.run("estimate", "compress", "--input", "-", "--max-vectors", "10", "--out",
                tmp.resolve("stdin").toString());
        assertEquals(2, stdin.code(), stdin.toString());
        assertTrue(stdin.err().contains("estimate cannot sample standard input"), stdin.err());
    }

    static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof Number, key + " missing from " + m);
        return ((Number) v).doubleValue();
    }
}
