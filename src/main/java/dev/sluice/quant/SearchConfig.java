package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options shared by {@code sluice search} and {@code sluice eval}. Columns default to those the codes were made
 * from; {@code rerank} re-orders the top {@code rerank} candidates by exact distance (needs {@code base}).
 */
public record SearchConfig(Path codes, String queries, String base, String column, String idColumn,
                           String queryColumn, int k, int rerank, Path groundTruth, Path saveGroundTruth, Path out) {
    public SearchConfig {
        if (codes == null) {
            throw SluiceException.usage("--codes is required: the output directory of sluice compress");
        }
        if (queries == null) {
            throw SluiceException.usage("--queries is required: a .npy, .fvecs or Parquet file of query vectors");
        }
        if (k < 1) {
            throw SluiceException.usage("--k must be positive, got " + k);
        }
        if (rerank < 0 || (rerank > 0 && rerank < k)) {
            throw SluiceException.usage("--rerank must be 0 (off) or at least --k " + k + ", got " + rerank);
        }
        if (saveGroundTruth != null && (base == null || groundTruth != null)) {
            throw SluiceException.usage("--save-ground-truth writes the exact neighbours eval computes from --base: give "
                    + "--base and no --ground-truth");
        }
        if (saveGroundTruth != null && !saveGroundTruth.getFileName().toString().endsWith(".ivecs")) {
            throw SluiceException.usage("--save-ground-truth must name an .ivecs file, got " + saveGroundTruth);
        }
        if (rerank > 0 && base == null) {
            throw SluiceException.usage("--rerank needs --base: the original vectors to compute exact distances");
        }
    }

    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("codes", codes.toString());
        p.put("queries", queries);
        p.put("base", base);
        p.put("k", k);
        p.put("rerank", rerank);
        p.put("ground_truth", groundTruth == null ? null : groundTruth.toString());
        p.put("save_ground_truth", saveGroundTruth == null ? null : saveGroundTruth.toString());
        p.put("out", out == null ? null : out.toString());
        return p;
    }
}
