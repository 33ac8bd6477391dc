package dev.sluice.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.engine.SluiceException;

/**
 * A tiktoken encoding through jtokkit (pure Java, thread-safe encoders, the same token ids as OpenAI's
 * tiktoken) and its end-of-text token. Documents are encoded as ordinary text: a literal
 * {@code <|endoftext|>} inside a document is tokenized as characters, never as the separator.
 */
public record Tokenizer(String name, Encoding encoding, int endOfText) {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    /** cl100k_base (default), o200k_base, p50k_base or r50k_base. */
    public static Tokenizer of(String name) {
        int eot = endOfText(name);
        EncodingType type = EncodingType.fromName(name).orElseThrow();
        return new Tokenizer(name, REGISTRY.getEncoding(type), eot);
    }

    /** The end-of-text id of encoding {@code name}, without loading its ranks (0.1 s): what a merge needs. */
    public static int endOfText(String name) {
        return switch (name) {
            case "cl100k_base" -> 100257;
            case "o200k_base" -> 199999;
            case "p50k_base", "r50k_base" -> 50256;
            default -> throw SluiceException.usage("--tokenizer must be cl100k_base, o200k_base, p50k_base or "
                    + "r50k_base, got '" + name + "'");
        };
    }

    /** An encoder for one thread: the same ids as {@code encoding().encodeOrdinary}, faster. */
    SegmentEncoder segmentEncoder(SegmentCache shared, long ownCacheBytes) {
        return new SegmentEncoder(name, encoding, shared, ownCacheBytes);
    }
}
