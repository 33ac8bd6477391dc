package dev.sluice.logits;

import dev.sluice.engine.SluiceException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code sluice logits} was asked to do: pack's output to read, the teacher, how many ids per token, how many
 * sequences at most (0: all), where the cache goes, whether on a GPU, and whether to skip the free-disk check.
 */
public record LogitsConfig(Path input, Path teacher, int topK, long maxSamples, Path out, boolean cuda,
                           boolean skipDiskCheck) {
    public static final int DEFAULT_TOP_K = 64;

    public LogitsConfig {
        if (input == null) {
            throw SluiceException.usage("--input is required: the output directory of sluice pack");
        }
        if (teacher == null) {
            throw SluiceException.usage("--teacher is required: the teacher's model.onnx (an Optimum export)");
        }
        if (topK < 1 || topK > 4096) {
            throw SluiceException.usage("--top-k must be between 1 and 4096, got " + topK);
        }
        if (maxSamples < 0) {
            throw SluiceException.usage("--max-samples must be a positive whole number, got " + maxSamples);
        }
    }

    /** The options a rerun must repeat (the teacher's identity is added once it is read). */
    Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", input.toString());
        m.put("top_k", topK);
        m.put("max_samples", maxSamples);
        return m;
    }
}
