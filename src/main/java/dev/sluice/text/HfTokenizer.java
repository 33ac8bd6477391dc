package dev.sluice.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A Hugging Face {@code tokenizer.json} (the {@code tokenizers} library's format: byte-level BPE as in Llama 3 and
 * Qwen, SentencePiece-style BPE or Unigram as in Llama 2, Mistral, T5), run by the Rust library through DJL
 * ({@link HfLibrary}). Documents are encoded as ordinary text, no special tokens added (no BOS): the ids of
 * {@code encode(text, add_special_tokens=False)}, as transformers gives them; like transformers, the library
 * still matches the tokenizer's added tokens (such as {@code <|endoftext|>}) written literally in a document.
 *
 * <p>The end-of-text id comes from the model's own files: the {@code eos_token} of the
 * {@code tokenizer_config.json} beside the file (or {@code --eos-token}), mapped to its id through the file's
 * {@code added_tokens}, then its model's vocabulary, the order in which the library resolves a token. The plan
 * records the file's SHA-256 and that id, so a rerun with another file, or another end-of-text token, is refused.
 *
 * <p>{@code name} is the path as given; {@code handle} the loaded native tokenizer ({@link HfLibrary}), which every
 * encoder shares.
 */
public record HfTokenizer(String name, String sha256, String eosToken, int endOfText, long handle)
        implements Tokenizer {
    /** What {@code --tokenizer DIR} looks for in DIR. */
    static final String FILE = "tokenizer.json";
    /** Where the end-of-text token comes from, beside the tokenizer file. */
    static final String CONFIG = "tokenizer_config.json";
    /** The plan parameter that holds the end-of-text id (read back by a merge). */
    static final String END_OF_TEXT_ID = "end_of_text_id";
    private static final JsonFactory JSON = new JsonFactory();

    /** Reads {@code file} once (what is hashed is what is loaded), resolves the end-of-text id and loads it. */
    static HfTokenizer load(Path file, String eosOption) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw SluiceException.input("no tokenizer file " + file + " (--tokenizer): give a Hugging Face "
                    + "tokenizer.json, the directory that holds one, or cl100k_base, o200k_base, p50k_base, r50k_base");
        } catch (IOException e) {
            throw SluiceException.input("cannot read the tokenizer file " + file + ": " + e.getMessage(), e);
        }
        String eos = eosOption != null ? eosOption : eosFromConfig(file);
        String from = eosOption != null ? "--eos-token" : file.resolveSibling(CONFIG).toString();
        int eosId = idOf(bytes, eos, file, from);
        String sha = sha256(bytes);
        long handle = HfLibrary.tokenizer(sha, new String(bytes, StandardCharsets.UTF_8), file);
        return new HfTokenizer(file.toString(), sha, eos, eosId, handle);
    }

    @Override
    public Map<String, Object> planParameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tokenizer_sha256", sha256);
        p.put("eos_token", eosToken);
        p.put(END_OF_TEXT_ID, endOfText);
        return p;
    }

    /**
     * One encoder per worker over the one native tokenizer, which encodes on many threads at once (its
     * {@code encode} takes the tokenizer read-only; BPE's cache of words is behind a lock). Documents go one per
     * call: the library's batch call gains only by running the batch on its own thread pool (measured on Qwen3
     * over the Debian sample: 0.47 M tokens/s per call, 0.49 M batched with that pool at one thread), and pack's
     * workers already fill the cores.
     */
    @Override
    public Supplier<DocumentEncoder> encoders(long sharedCacheBytes, long ownCacheBytes) {
        return () -> new Encoder(handle);
    }

    private static final class Encoder implements DocumentEncoder {
        private final long handle;
        private final TokenIds out = new TokenIds();

        Encoder(long handle) {
            this.handle = handle;
        }

        @Override
        public void encode(String text) {
            out.add(HfLibrary.encode(handle, text));
        }

        @Override
        public int size() {
            return out.size();
        }

        @Override
        public int[] take() {
            return out.take();
        }
    }

    /** The {@code eos_token} of the {@code tokenizer_config.json} beside {@code file}: a string or an AddedToken. */
    private static String eosFromConfig(Path file) {
        Path config = file.resolveSibling(CONFIG);
        String fix = "pack puts the end-of-text token between documents: copy the model's " + CONFIG + " beside "
                + file.getFileName() + ", or name the token with --eos-token TOKEN (e.g. --eos-token '<|endoftext|>')";
        if (!Files.exists(config)) {
            throw SluiceException.input("no " + config + " beside the tokenizer file " + file + "; " + fix);
        }
        try (JsonParser p = JSON.createParser(config.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw SluiceException.input(config + " is not a JSON object; " + fix);
            }
            String eos = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("eos_token") && value == JsonToken.VALUE_STRING) {
                    eos = p.getText();
                } else if (field.equals("eos_token") && value == JsonToken.START_OBJECT) {
                    eos = contentOf(p); // {"__type": "AddedToken", "content": "</s>", ...}
                } else {
                    p.skipChildren();
                }
            }
            if (eos == null || eos.isEmpty()) {
                throw SluiceException.input(config + " has no eos_token; " + fix);
            }
            return eos;
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + config + ": " + e.getMessage() + "; " + fix, e);
        }
    }

    /** The {@code content} of the object the parser is at the start of. */
    private static String contentOf(JsonParser p) throws IOException {
        String content = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("content")) {
                content = p.getValueAsString();
            } else {
                p.skipChildren();
            }
        }
        return content;
    }

    /**
     * The id of {@code token} in the tokenizer.json {@code bytes}: its entry in {@code added_tokens}, else in the
     * model's {@code vocab} (an object of token to id for BPE and WordPiece, a list of [piece, score] for Unigram,
     * whose id is the position). Read as a stream: the vocabulary of 150,000 entries is never held as a tree.
     */
    static int idOf(byte[] bytes, String token, Path file, String from) {
        Integer added = null;
        Integer vocab = null;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw notTokenizerJson(file, "not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    added = addedTokenId(p, token);
                } else if (field.equals("model") && value == JsonToken.START_OBJECT) {
                    vocab = vocabId(p, token);
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw notTokenizerJson(file, e.getMessage());
        }
        if (added != null) {
            return added;
        }
        if (vocab != null) {
            return vocab;
        }
        throw SluiceException.input(String.format(Locale.ROOT, "the end-of-text token '%s' (from %s) is neither in "
                + "the added_tokens nor in the vocabulary of %s; name one that is with --eos-token TOKEN", token, from,
                file));
    }

    private static Integer addedTokenId(JsonParser p, String token) throws IOException {
        Integer found = null;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Integer id = null;
            String content = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = p.getIntValue();
                    case "content" -> content = p.getText();
                    default -> p.skipChildren();
                }
            }
            if (found == null && token.equals(content)) {
                found = id;
            }
        }
        return found;
    }

    private static Integer vocabId(JsonParser p, String token) throws IOException {
        Integer found = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean match = found == null && p.currentName().equals(token);
                    p.nextToken();
                    if (match) {
                        found = p.getIntValue();
                    }
                }
            } else if (field.equals("vocab") && value == JsonToken.START_ARRAY) {
                for (int id = 0; p.nextToken() == JsonToken.START_ARRAY; id++) {
                    p.nextToken();
                    if (found == null && token.equals(p.getText())) {
                        found = id;
                    }
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return found;
    }

    static SluiceException notTokenizerJson(Path file, String why) {
        return SluiceException.input(file + " is not a Hugging Face tokenizer.json (the tokenizers library's "
                + "format): " + why);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw SluiceException.internal("no SHA-256 in this JVM", e);
        }
    }
}
