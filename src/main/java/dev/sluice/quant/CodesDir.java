package dev.sluice.quant;

import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Shard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A finished compress output: its manifest, codebook and code shards (in unit order). */
public record CodesDir(Path dir, Map<String, Object> manifest, Quantizer quantizer, List<Path> shards) {

    public static CodesDir open(Path dir) {
        Path manifest = dir.resolve(OutputDir.MANIFEST);
        if (!Files.exists(manifest)) {
            throw SluiceException.input("--codes " + dir + " has no " + OutputDir.MANIFEST
                    + ": it is not a finished compress output (rerun compress to finish it)");
        }
        Map<String, Object> m = Json.read(manifest);
        if (!"compress".equals(m.get("job"))) {
            throw SluiceException.input("--codes " + dir + " holds the output of '" + m.get("job")
                    + "', not of compress");
        }
        Quantizer q = Codebook.read(dir.resolve(Codebook.FILE));
        List<Path> shards = Manifest.read(dir).shards().stream().map(Shard::path).filter(p -> p.endsWith(".parquet"))
                .map(dir::resolve).toList();
        return new CodesDir(dir, m, q, shards);
    }

    /** A parameter of the compress run, e.g. its column or id column. */
    @SuppressWarnings("unchecked")
    public String parameter(String name) {
        Object v = ((Map<String, Object>) manifest.get("parameters")).get(name);
        return v == null ? null : v.toString();
    }

    public long rows() {
        return ((Number) totals().get("rows")).longValue();
    }

    /** The dimension of the vectors encoded, as the manifest records it (the codebook's, for older manifests). */
    public int dim() {
        Object d = totals().get("dim");
        return d == null ? quantizer.dim() : ((Number) d).intValue();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> totals() {
        return (Map<String, Object>) manifest.get("totals");
    }
}
