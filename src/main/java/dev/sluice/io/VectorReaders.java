package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;

/** Opens a vector input by its file name: {@code .npy}, {@code .fvecs}, {@code .bvecs}, or Parquet files/globs. */
public final class VectorReaders {
    private VectorReaders() {}

    /** {@code reader} limited to its first {@code cap} vectors ({@code --max-vectors}); 0: no limit. */
    public static VectorReader capped(VectorReader reader, long cap) {
        return CappedVectorReader.of(reader, cap);
    }

    /** Whether {@code input} is read through DuckDB (Parquet) rather than mapped directly. */
    public static boolean isParquet(String input) {
        String lower = input.toLowerCase(Locale.ROOT);
        return !(lower.endsWith(".npy") || lower.endsWith(".fvecs") || lower.endsWith(".bvecs"));
    }

    /**
     * @param column    the embedding column (Parquet only; null elsewhere means "emb")
     * @param idColumn  the id column (Parquet only), or null for 0-based row numbers
     * @param duck      a DuckDB session for Parquet input; may be null for the other formats
     */
    public static VectorReader open(String input, String column, String idColumn, DuckSession duck,
                                    BufferAllocator allocator) {
        String lower = input.toLowerCase(Locale.ROOT);
        String kind = lower.endsWith(".npy") ? "npy" : lower.endsWith(".fvecs") ? "fvecs"
                : lower.endsWith(".bvecs") ? "bvecs" : "parquet";
        if (kind.equals("parquet")) {
            InputFiles.Resolved files = InputFiles.resolve(List.of(input), "--input");
            if (files.format() != InputFiles.Format.PARQUET) {
                throw SluiceException.input("vector input " + input
                        + " is not .npy, .fvecs, .bvecs or Parquet; convert it to one of them");
            }
            if (duck == null) {
                throw new IllegalStateException("Parquet vector input needs a DuckDB session");
            }
            return new ParquetVectorReader(duck, files.files(), column == null ? "emb" : column, idColumn, allocator);
        }
        Path file = Path.of(input);
        if (!Files.isRegularFile(file)) {
            throw SluiceException.input("input file not found: " + input);
        }
        if (idColumn != null) {
            throw SluiceException.usage("--id-column applies to Parquet input only; " + kind
                    + " vectors get their 0-based row number as id");
        }
        return MappedVectorReader.open(file, kind);
    }
}
