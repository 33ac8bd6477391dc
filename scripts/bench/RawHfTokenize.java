// The library's own speed for scripts/bench/hf-tokenizer.sh: the Rust tokenizers library (DJL's JNI binding, the
// calls pack makes: encode one document, take its ids, free the encoding) over the "text" field of a JSONL file,
// texts loaded before the clock starts, no reading, hashing, packing or writing in the timing. With THREADS > 1 the
// documents are split round-robin over the threads, all encoding into the one loaded tokenizer: the ceiling of
// any worker pool of that size. Loads target/lib/libtokenizers.so (the build puts it there), never ~/.djl.ai.
// Run: java --enable-native-access=ALL-UNNAMED -cp 'target/lib/*' scripts/bench/RawHfTokenize.java \
//          TOKENIZER.json FILE.jsonl [THREADS]
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class RawHfTokenize {
    public static void main(String[] args) throws Exception {
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path lib = Path.of("target/lib", System.mapLibraryName("tokenizers")).toAbsolutePath();
        System.setProperty("RUST_LIBRARY_PATH", lib.toString());
        LibUtils.checkStatus();
        long tokenizer = TokenizersLibrary.LIB.createTokenizerFromString(Files.readString(Path.of(args[0])));
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Path.of(args[1]))) {
            for (String line; (line = r.readLine()) != null; ) {
                texts.add(json.readTree(line).get("text").asText());
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            parts.add(pool.submit(() -> {
                long n = 0;
                for (int i = first; i < texts.size(); i += threads) {
                    long encoding = TokenizersLibrary.LIB.encode(tokenizer, texts.get(i), false);
                    n += TokenizersLibrary.LIB.getTokenIds(encoding).length;
                    TokenizersLibrary.LIB.deleteEncoding(encoding);
                }
                return n;
            }));
        }
        long tokens = 0;
        for (Future<Long> f : parts) {
            tokens += f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        System.out.printf(Locale.ROOT, "raw tokenizers, %d thread(s): %d documents, %d tokens in %.2f s: %d tokens/s%n",
                threads, texts.size(), tokens, secs, Math.round(tokens / secs));
    }
}
