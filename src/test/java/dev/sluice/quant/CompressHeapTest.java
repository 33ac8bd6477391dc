package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training sample that cannot fit the heap stops before sampling, saying what to give instead. */
class CompressHeapTest {
    @TempDir
    Path tmp;

    @Test
    void aTrainingSampleTooLargeForTheHeapIsAClearError() throws Exception {
        Path input = CompressResumeTest.repeatedSample(tmp, 20); // 50,000 x 384: 77 MB of floats
        // With --memory-limit, a larger one; with a budget detected from the machine (or a container), what the
        // job needs, since a --memory-limit above what is there would only get it killed.
        String explicit = train(input, "explicit", "--memory-limit", "480MB");
        assertTrue(explicit.matches("(?s).*give --memory-limit [0-9.]+ [MG]B or more, or give --train-size [0-9]+.*"),
                explicit);
        String detected = train(input, "detected");
        assertTrue(detected.matches("(?s).*the budget, [0-9.]+ [MG]B, comes from the (available memory|cgroup limit): give the "
                + "job about [0-9.]+ [MG]B \\(--memory-limit [0-9.]+ [MG]B where that much is free; in a container, a "
                + "limit of [0-9.]+ [MG]B or more\\), or give --train-size [0-9]+.*"), detected);
    }

    @Test
    void theAdvisedBudgetWorks() throws Exception {
        Path input = CompressResumeTest.repeatedSample(tmp, 20);
        String log = train(input, "small", "--memory-limit", "480MB");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("give --memory-limit ([0-9.]+ [MG]B) or more")
                .matcher(log);
        assertTrue(m.find(), log);
        String advised = m.group(1).replace(" ", "");
        long budget = dev.sluice.engine.Sizes.parse(advised, "--memory-limit");
        // The heap the launcher gives that budget (compress's policy), as the launcher would start it.
        String heap = (CompressJob.SPEC.memory().heapBytes(budget) >> 20) + "m";
        Path out = tmp.resolve("advised");
        Process p = Cli.childJvm(heap, List.of("compress", "--input", input.toString(), "--method", "pq",
                "--train-size", "50000", "--progress", "none", "--tmp-dir", tmp.toString(), "--memory-limit", advised,
                "--out", out.toString())).redirectErrorStream(true).redirectOutput(tmp.resolve("advised.log").toFile())
                .start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String advisedLog = Files.readString(tmp.resolve("advised.log"));
        assertEquals(0, p.exitValue(), "with the advised --memory-limit " + advised + " and heap " + heap + ":\n"
                + advisedLog);
        assertTrue(Files.exists(out.resolve("_manifest.json")));
    }

    /** Runs compress with a 96 MB heap and the sample of 50,000 vectors to train on; returns its log. */
    private String train(Path input, String name, String... options) throws Exception {
        Path out = tmp.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("compress", "--input", input.toString(), "--method",
                "pq", "--train-size", "50000", "--progress", "none", "--tmp-dir", tmp.toString(), "--out",
                out.toString()));
        args.addAll(List.of(options));
        Process p = Cli.childJvm("96m", args).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve(name + ".log"));
        assertEquals(4, p.exitValue(), log);
        assertTrue(log.contains("training on 50,000 sampled vectors of 384 dimensions needs about"), log);
        assertFalse(Files.exists(out.resolve("_manifest.json")));
        return log;
    }
}
