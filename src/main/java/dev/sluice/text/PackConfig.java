package dev.sluice.text;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.TextInputs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of {@code pack}, checked once. {@code format} null: from the file extension. {@code maxSamples}
 * 0: no cap; {@code maxTokens} 0: no upper bound; {@code dedupStore} null: dedup within the run only.
 * {@code unitDocs}: documents per work unit (unit u holds documents [u * unitDocs, (u + 1) * unitDocs) after the
 * cap), each packed on its own, so that shard tasks and a single process cut the same sequences. {@code tokenizer}:
 * a tiktoken encoding's name or a Hugging Face tokenizer.json; {@code eosToken} null: the tokenizer's own.
 */
public record PackConfig(List<String> inputs, TextInputs.Format format, String textColumn, String tokenizer,
                         int seqLen, long maxSamples, Dedup dedup, Path dedupStore, int minTokens, int maxTokens,
                         boolean truncate, Last last, long shardSize, Path out, int unitDocs, boolean indexOnly,
                         String eosToken) {
    /** Documents per work unit when --unit-docs is not given. */
    public static final int DEFAULT_UNIT_DOCS = 65536;

    /** The tokenizer's own end-of-text token. */
    public PackConfig(List<String> inputs, TextInputs.Format format, String textColumn, String tokenizer, int seqLen,
                      long maxSamples, Dedup dedup, Path dedupStore, int minTokens, int maxTokens, boolean truncate,
                      Last last, long shardSize, Path out, int unitDocs, boolean indexOnly) {
        this(inputs, format, textColumn, tokenizer, seqLen, maxSamples, dedup, dedupStore, minTokens, maxTokens,
                truncate, last, shardSize, out, unitDocs, indexOnly, null);
    }

    /** A run that packs (not {@code --index-only}). */
    public PackConfig(List<String> inputs, TextInputs.Format format, String textColumn, String tokenizer, int seqLen,
                      long maxSamples, Dedup dedup, Path dedupStore, int minTokens, int maxTokens, boolean truncate,
                      Last last, long shardSize, Path out, int unitDocs) {
        this(inputs, format, textColumn, tokenizer, seqLen, maxSamples, dedup, dedupStore, minTokens, maxTokens,
                truncate, last, shardSize, out, unitDocs, false);
    }

    /** The options with the default work unit of {@value #DEFAULT_UNIT_DOCS} documents. */
    public PackConfig(List<String> inputs, TextInputs.Format format, String textColumn, String tokenizer, int seqLen,
                      long maxSamples, Dedup dedup, Path dedupStore, int minTokens, int maxTokens, boolean truncate,
                      Last last, long shardSize, Path out) {
        this(inputs, format, textColumn, tokenizer, seqLen, maxSamples, dedup, dedupStore, minTokens, maxTokens,
                truncate, last, shardSize, out, DEFAULT_UNIT_DOCS);
    }

    /** Exact dedup on the normalised-text hash, or none. */
    public enum Dedup {
        EXACT, NONE;

        public static Dedup parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "exact" -> EXACT;
                case "none" -> NONE;
                default -> throw SluiceException.usage("--dedup must be exact or none, got '" + s + "'");
            };
        }
    }

    /** What happens to the last, shorter sequence of a run. */
    public enum Last {
        /** Written as it is, shorter than seq-len. */
        PARTIAL,
        /** Not written; its tokens are counted as dropped. */
        DROP,
        /** Filled up to seq-len with the end-of-text token, after the last cu_seqlens boundary. */
        PAD;

        public static Last parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw SluiceException.usage("--last must be partial, drop or pad, got '" + s + "'");
            }
        }
    }

    public PackConfig {
        if (tokenizer == null || tokenizer.isBlank()) {
            throw SluiceException.usage("--tokenizer must name a tiktoken encoding or a tokenizer.json file");
        }
        if (eosToken != null && eosToken.isEmpty()) {
            throw SluiceException.usage("--eos-token must not be empty");
        }
        if (textColumn == null || textColumn.isBlank()) {
            throw SluiceException.usage("--text-column must name a field or column");
        }
        if (seqLen < 2) {
            throw SluiceException.usage("--seq-len must be at least 2, got " + seqLen);
        }
        if (maxSamples < 0) {
            throw SluiceException.usage("--max-samples must be positive, got " + maxSamples);
        }
        if (minTokens < 0 || maxTokens < 0) {
            throw SluiceException.usage("--min-tokens and --max-tokens must not be negative");
        }
        if (maxTokens > 0 && minTokens > maxTokens) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--min-tokens %d is above --max-tokens %d: no document could be kept", minTokens, maxTokens));
        }
        if (truncate && maxTokens == 0) {
            throw SluiceException.usage("--truncate keeps the first --max-tokens tokens; give --max-tokens too");
        }
        if (dedupStore != null && dedup == Dedup.NONE) {
            throw SluiceException.usage("--dedup-store needs --dedup exact");
        }
        if (unitDocs < 1) {
            throw SluiceException.usage("--unit-docs must be at least 1, got " + unitDocs);
        }
        if (out == null) {
            throw SluiceException.usage("--out is required: the directory the shards and manifest go to");
        }
        if (indexOnly && dedupStore != null) {
            throw SluiceException.usage("--index-only writes the index of shard tasks, which cannot use --dedup-store");
        }
        inputs = List.copyOf(inputs);
        tokenizer = Tiktoken.named(tokenizer).orElse(tokenizer); // a path keeps its case
    }

    /** The parameters that define the output; a rerun must match them to resume. */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("input", inputs);
        p.put("format", format == null ? "auto" : format.name().toLowerCase(Locale.ROOT));
        p.put("text_column", textColumn);
        p.put("tokenizer", tokenizer);
        p.put("seq_len", seqLen);
        p.put("max_samples", maxSamples);
        p.put("dedup", dedup.name().toLowerCase(Locale.ROOT));
        p.put("dedup_store", dedupStore == null ? null : dedupStore.toAbsolutePath().normalize().toString());
        p.put("min_tokens", minTokens);
        p.put("max_tokens", maxTokens);
        p.put("truncate", truncate);
        p.put("last", last.name().toLowerCase(Locale.ROOT));
        p.put("shard_size", shardSize);
        p.put("unit_docs", unitDocs);
        return p;
    }
}
