package dev.sluice.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.engine.SluiceException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A tiktoken encoding through jtokkit (pure Java, thread-safe encoders, the same token ids as OpenAI's
 * tiktoken) and its end-of-text token. Documents are encoded as ordinary text: a literal
 * {@code <|endoftext|>} inside a document is tokenized as characters, never as the separator.
 */
public record Tiktoken(String name, Encoding encoding, int endOfText) implements Tokenizer {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    /** cl100k_base (default), o200k_base, p50k_base or r50k_base. */
    public static Tiktoken of(String name) {
        int eot = endOfText(name);
        EncodingType type = EncodingType.fromName(name).orElseThrow();
        return new Tiktoken(name, REGISTRY.getEncoding(type), eot);
    }

    /** The encoding that {@code --tokenizer} names, in lower case, if it names one (any case). */
    static Optional<String> named(String spec) {
        String name = spec.toLowerCase(Locale.ROOT);
        return switch (name) {
            case "cl100k_base", "o200k_base", "p50k_base", "r50k_base" -> Optional.of(name);
            default -> Optional.empty();
        };
    }

    /** The end-of-text id of encoding {@code name}, without loading its ranks (0.1 s): what a merge needs. */
    public static int endOfText(String name) {
        return switch (name) {
            case "cl100k_base" -> 100257;
            case "o200k_base" -> 199999;
            case "p50k_base", "r50k_base" -> 50256;
            default -> throw SluiceException.usage("--tokenizer must be cl100k_base, o200k_base, p50k_base or "
                    + "r50k_base, or a Hugging Face tokenizer.json file, got '" + name + "'");
        };
    }

    /** The name is the whole identity of an encoding: nothing more goes into the plan (plans stay as they were). */
    @Override
    public Map<String, Object> planParameters() {
        return Map.of();
    }

    /** Encoders that share one cache of segments of {@code sharedCacheBytes}, each with its own of {@code ownCacheBytes}. */
    @Override
    public Supplier<DocumentEncoder> encoders(long sharedCacheBytes, long ownCacheBytes) {
        SegmentCache shared = new SegmentCache(sharedCacheBytes);
        return () -> segmentEncoder(shared, ownCacheBytes);
    }

    /** An encoder for one thread: the same ids as {@code encoding().encodeOrdinary}, faster. */
    SegmentEncoder segmentEncoder(SegmentCache shared, long ownCacheBytes) {
        return new SegmentEncoder(name, encoding, shared, ownCacheBytes);
    }
}
