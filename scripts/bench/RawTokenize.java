// The baseline of scripts/bench/pack.sh: jtokkit on one thread over the "text" field of a JSONL file,
// timing only the encode calls (no reading, no hashing, no writing).
// Run: java -cp 'target/lib/*' scripts/bench/RawTokenize.java FILE.jsonl [ENCODING]
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

public class RawTokenize {
    public static void main(String[] args) throws Exception {
        Encoding enc = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(args.length > 1 ? args[1] : "cl100k_base").orElseThrow());
        ObjectMapper json = new ObjectMapper();
        long tokens = 0;
        long docs = 0;
        long bytes = 0;
        long nanos = 0;
        try (BufferedReader r = Files.newBufferedReader(Path.of(args[0]))) {
            for (String line; (line = r.readLine()) != null; ) {
                String text = json.readTree(line).get("text").asText();
                long t0 = System.nanoTime();
                tokens += enc.encodeOrdinary(text).size();
                nanos += System.nanoTime() - t0;
                docs++;
                bytes += text.length();
            }
        }
        System.out.printf(Locale.ROOT, "raw jtokkit: %d documents, %d chars, %d tokens in %.2f s: %.0f tokens/s%n",
                docs, bytes, tokens, nanos / 1e9, tokens / (nanos / 1e9));
    }
}
