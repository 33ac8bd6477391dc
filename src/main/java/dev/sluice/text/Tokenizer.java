package dev.sluice.text;

import dev.sluice.engine.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What {@code pack --tokenizer} names: a tiktoken encoding ({@link Tiktoken}, pure Java) or a Hugging Face
 * {@code tokenizer.json} ({@link HfTokenizer}, the Rust {@code tokenizers} library). Either encodes documents
 * as ordinary text on the workers and gives the end-of-text id that pack puts after every document.
 */
public sealed interface Tokenizer permits Tiktoken, HfTokenizer {
    /** What the logs call it: the encoding's name or the file. */
    String name();

    /** The id pack puts after every document (and pads with). */
    int endOfText();

    /** What the plan records besides {@code --tokenizer}, so that a rerun with another tokenizer is refused. */
    Map<String, Object> planParameters();

    /** Makes one encoder per worker thread; the encoders share what they can share. */
    Supplier<DocumentEncoder> encoders(long sharedCacheBytes, long ownCacheBytes);

    /**
     * The tokenizer {@code spec} names: a tiktoken encoding (any case), else a {@code tokenizer.json} file (or a
     * directory holding one) whose end-of-text token is {@code eosToken}, or when null the {@code eos_token} of the
     * {@code tokenizer_config.json} beside it.
     */
    static Tokenizer of(String spec, String eosToken) {
        Optional<String> name = Tiktoken.named(spec);
        if (name.isPresent()) {
            if (eosToken != null) {
                throw SluiceException.usage("--eos-token applies to a Hugging Face tokenizer.json; the tiktoken "
                        + "encoding " + name.get() + " ends documents with its own <|endoftext|>");
            }
            return Tiktoken.of(name.get());
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            path = path.resolve(HfTokenizer.FILE);
        }
        if (!Files.exists(path) && !spec.contains("/") && !spec.endsWith(".json")) {
            throw SluiceException.usage("--tokenizer must be cl100k_base, o200k_base, p50k_base or r50k_base, or a "
                    + "Hugging Face tokenizer.json file, got '" + spec + "'");
        }
        return HfTokenizer.load(path, eosToken);
    }

    /** The end-of-text id a plan's parameters fix, without loading the tokenizer: what a merge needs. */
    static int endOfText(Map<String, Object> planParameters) {
        Object id = planParameters.get(HfTokenizer.END_OF_TEXT_ID);
        return id instanceof Number n ? n.intValue() : Tiktoken.endOfText((String) planParameters.get("tokenizer"));
    }
}
