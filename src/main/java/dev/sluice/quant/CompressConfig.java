package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.RemoteInput;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Options of {@code sluice compress}. {@code m} and {@code nbits} are PQ/OPQ's, {@code bits} RaBitQ's and SAQ's;
 * the defaults are PQ16x8, 1-bit RaBitQ, 100,000 training vectors and batches (= work units) of 10,000.
 * {@code faiss}, when set, is a file to export the index to; it does not change the codes. {@code trainOnly}
 * stops after the codebook (for shard tasks that then encode with it); {@code codebookWaitSeconds} is how long a
 * shard task other than 0 waits for that codebook.
 */
public record CompressConfig(String input, String column, String idColumn, String method, int m, int nbits,
                             int bits, int trainSize, int batchSize, long seed, boolean npy, Path out,
                             Path faiss, boolean trainOnly, int codebookWaitSeconds, long maxVectors) {
    /** {@code --input -}: vectors on standard input. */
    public static final String STDIN = "-";

    public CompressConfig {
        if (input == null) {
            throw SluiceException.usage("--input is required: a .npy, .fvecs, .bvecs or Parquet file (or glob), "
                    + "or an http(s)://, s3:// or hf:// URL");
        }
        if (out == null) {
            throw SluiceException.usage("--out is required: the directory for codes, codebook and manifest");
        }
        if (!method.matches("pq|opq|sq8|sq4|rabitq|saq")) {
            throw SluiceException.usage("--method must be pq, opq, sq8, sq4, rabitq or saq, got '" + method + "'");
        }
        if (trainSize < 1 || batchSize < 1) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--train-size and --batch-size must be positive, got %d and %d", trainSize, batchSize));
        }
        if (maxVectors < 0) {
            throw SluiceException.usage("--max-vectors must be positive, got " + maxVectors);
        }
        if (RemoteInput.isUrl(input)) {
            RemoteInput.parse(input);
        }
        if (STDIN.equals(input) && maxVectors == 0) {
            throw SluiceException.usage("--max-vectors is required when reading standard input (--input -): it can "
                    + "stream without end, and the cap is what stops the read; give e.g. --max-vectors 100000");
        }
        if (codebookWaitSeconds < 0) {
            throw SluiceException.usage("--codebook-wait must be 0 or more seconds, got " + codebookWaitSeconds);
        }
        if (method.equals("rabitq") && bits != 1 && bits != 4) {
            throw SluiceException.usage("--bits must be 1 or 4 for rabitq, got " + bits);
        }
        if (method.equals("saq") && (bits < 1 || bits > SaqQuantizer.MAX_BITS)) {
            throw SluiceException.usage("--bits must be 1 to " + SaqQuantizer.MAX_BITS + " for saq, got " + bits);
        }
    }

    /** The parameters that decide the output: a rerun into the same directory must match them. */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("input", input);
        p.put("column", column);
        p.put("id_column", idColumn);
        p.put("method", method);
        if (method.equals("pq") || method.equals("opq")) {
            p.put("m", m);
            p.put("nbits", nbits);
        }
        if (method.equals("rabitq") || method.equals("saq")) {
            p.put("bits", bits);
        }
        p.put("train_size", trainSize);
        p.put("batch_size", batchSize);
        p.put("seed", seed);
        p.put("format", npy ? "parquet+npy" : "parquet");
        if (maxVectors > 0) {
            p.put("max_vectors", maxVectors);
        }
        return p;
    }
}
