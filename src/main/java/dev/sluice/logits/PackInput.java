package dev.sluice.logits;

import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import dev.sluice.shard.OutputDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The output of {@code sluice pack} that {@code logits} reads: its shards in manifest order, each with the row
 * number of its first sequence, cut to the first {@code maxSamples} sequences (0: all). Shard {@code u} of this list
 * is the cache's unit {@code u}.
 *
 * @param seqLen the sequences' length (pack's {@code --seq-len}): no piece is longer
 */
record PackInput(Path dir, Path manifest, int seqLen, List<Part> parts) {

    /** One pack shard: its split, file, sequences taken and the cache row number of its first. */
    record Part(String split, Path file, long rows, long firstSeq) {}

    @SuppressWarnings("unchecked")
    static PackInput read(Path dir, long maxSamples) {
        Path manifest = dir.resolve(OutputDir.MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw SluiceException.input(String.format(Locale.ROOT, "--input %s has no %s: give the output directory "
                    + "of a finished sluice pack (a shard task's output needs sluice merge first)", dir,
                    OutputDir.MANIFEST));
        }
        Map<String, Object> m = Json.read(manifest);
        if (!"pack".equals(m.get("job"))) {
            throw SluiceException.input("--input " + dir + " holds the output of sluice " + m.get("job")
                    + ", not of sluice pack");
        }
        int seqLen = ((Number) ((Map<String, Object>) m.get("parameters")).get("seq_len")).intValue();
        List<Part> parts = new ArrayList<>();
        long seq = 0;
        for (Object o : (List<Object>) m.get("shards")) {
            Map<String, Object> s = (Map<String, Object>) o;
            String path = (String) s.get("path");
            long rows = ((Number) s.get("rows")).longValue();
            long bytes = ((Number) s.get("bytes")).longValue();
            Path file = dir.resolve(path);
            try {
                if (Files.size(file) != bytes) {
                    throw SluiceException.input(String.format(Locale.ROOT, "%s is %,d bytes, but pack's manifest says "
                            + "%,d: the pack output changed after it was written; run pack again", file,
                            Files.size(file), bytes));
                }
            } catch (IOException e) {
                throw SluiceException.input("cannot read pack's shard " + file + ": " + e.getMessage(), e);
            }
            long take = maxSamples > 0 ? Math.min(rows, maxSamples - seq) : rows;
            if (take <= 0) {
                break;
            }
            parts.add(new Part(path.substring(0, path.indexOf('/')), file, take, seq));
            seq += take;
        }
        return new PackInput(dir, manifest, seqLen, List.copyOf(parts));
    }

    long sequences() {
        return parts.stream().mapToLong(Part::rows).sum();
    }
}
