package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smallest budget sluice accepts ("give --memory-limit 320MB or more") is one every job finishes in, on the
 * bundled samples, with the heap the launcher gives it there (the registry's policy).
 */
class MinimumBudgetTest {
    private static final long MB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void everyJobFinishesAtTheMinimumBudget() throws Exception {
        Path samples = Cli.project().resolve("data-samples");
        // logits at the minimum: short sequences (a piece's logits must fit) and a teacher of a few MB.
        Path packed = tmp.resolve("packed-32");
        assertEquals(0, Cli.run("pack", "--input", samples.resolve("text/debian-texts.jsonl").toString(), "--seq-len",
                "32", "--max-samples", "300", "--progress", "none", "--tmp-dir", tmp.toString(), "--out",
                packed.toString()).code());
        Path teacher = tmp.resolve("teacher.onnx");
        Process make = new ProcessBuilder("/usr/bin/python3", Cli.project().resolve("scripts/teacher/make_teacher.py")
                .toString(), teacher.toString(), "--vocab", "100277", "--dim", "8").redirectErrorStream(true).start();
        make.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertEquals(0, make.waitFor());
        List<List<String>> jobs = List.of(
                List.of("probe-rows", "--input", samples.resolve("flights/flights-sample.parquet").toString(), "--key",
                        "route", "--time", "date"),
                List.of("compress", "--input", samples.resolve("embeddings/base.npy").toString(), "--method", "pq"),
                List.of("pack", "--input", samples.resolve("text/debian-texts.jsonl").toString(), "--seq-len", "512"),
                List.of("logits", "--input", packed.toString(), "--teacher", teacher.toString(), "--top-k", "16"));
        assertEquals(Registry.jobs().size(), jobs.size(), "a sample run for every job in the registry");
        for (List<String> job : jobs) {
            JobCommand command = Registry.job(job.get(0)).orElseThrow();
            String heap = (command.memory().heapBytes(320 * MB) / MB) + "m";
            Path out = tmp.resolve(job.get(0));
            List<String> args = new ArrayList<>(job);
            args.addAll(List.of("--memory-limit", "320MB", "--progress", "none", "--tmp-dir", tmp.toString(), "--out",
                    out.toString()));
            Path log = tmp.resolve(job.get(0) + ".log");
            Process p = Cli.childJvm(heap, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), job.get(0));
            assertEquals(0, p.exitValue(), job.get(0) + " at 320MB with -Xmx" + heap + ":\n" + Files.readString(log));
            assertTrue(Files.exists(out.resolve("_manifest.json")), job.get(0));
        }
    }
}
