package dev.sluice.probe;

import dev.sluice.engine.SluiceException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of {@code probe-rows}, checked once. {@code fields} empty means every other column. */
public record ProbeRowsConfig(List<String> inputs, String key, String time, List<String> fields, int maxLen,
                              double testFraction, long seed, int buckets, Path out) {

    public ProbeRowsConfig {
        if (key == null || key.isBlank()) {
            throw SluiceException.usage("--key is required: the column that names the probe (e.g. --key route)");
        }
        if (time == null || time.isBlank()) {
            throw SluiceException.usage("--time is required: the column that orders each key's measurements");
        }
        if (maxLen < 1) {
            throw SluiceException.usage("--max-len must be at least 1, got " + maxLen);
        }
        if (!(testFraction >= 0 && testFraction <= 1)) {
            throw SluiceException.usage("--test-fraction must be between 0 and 1, got " + testFraction);
        }
        if (buckets < 0 || buckets > 4096) {
            throw SluiceException.usage("--buckets must be between 1 and 4096, got " + buckets);
        }
        if (out == null) {
            throw SluiceException.usage("--out is required: the directory the shards and manifest go to");
        }
        inputs = List.copyOf(inputs);
        fields = List.copyOf(fields);
    }

    /** The parameters that define the output; a rerun must match them to resume. */
    public Map<String, Object> parameters(List<String> resolvedFields) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("input", inputs);
        p.put("key", key);
        p.put("time", time);
        p.put("fields", resolvedFields);
        p.put("max_len", maxLen);
        p.put("test_fraction", testFraction);
        p.put("seed", seed);
        return p;
    }
}
