// The baselines of scripts/bench/pack.sh: jtokkit over the "text" field of a JSONL file, with no reading,
// hashing or writing in the timing. With THREADS = 1 it times only the encode calls (wall and this thread's
// CPU time: on a loaded machine the CPU time is the steadier of the two); with more, the
// documents are loaded first and split round-robin over the threads, and the wall time of encoding them
// all is the machine's ceiling for any tokenizer pool of that size (on a shared machine it shows how much
// of the cores the run actually got).
// Run: java -cp 'target/lib/*' scripts/bench/RawTokenize.java FILE.jsonl [THREADS] [ENCODING]
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class RawTokenize {
    public static void main(String[] args) throws Exception {
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Encoding enc = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(args.length > 2 ? args[2] : "cl100k_base").orElseThrow());
        ObjectMapper json = new ObjectMapper();
        long tokens = 0;
        long docs = 0;
        long chars = 0;
        long nanos = 0;
        long cpuNanos = 0;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<String> texts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Path.of(args[0]))) {
            for (String line; (line = r.readLine()) != null; ) {
                String text = json.readTree(line).get("text").asText();
                docs++;
                chars += text.length();
                if (threads > 1) {
                    texts.add(text);
                    continue;
                }
                long c0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                tokens += enc.encodeOrdinary(text).size();
                nanos += System.nanoTime() - t0;
                cpuNanos += mx.getCurrentThreadCpuTime() - c0;
            }
        }
        if (threads > 1) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            List<Future<Long>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    long n = 0;
                    for (int i = first; i < texts.size(); i += threads) {
                        n += enc.encodeOrdinary(texts.get(i)).size();
                    }
                    return n;
                }));
            }
            for (Future<Long> p : parts) {
                tokens += p.get();
            }
            nanos = System.nanoTime() - t0;
            pool.shutdown();
        }
        System.out.printf(Locale.ROOT, "raw jtokkit, %d thread(s): %d documents, %d chars, %d tokens in %.2f s%s: "
                + "%.0f tokens/s%n", threads, docs, chars, tokens, nanos / 1e9,
                threads == 1 ? String.format(Locale.ROOT, " (CPU %.2f s)", cpuNanos / 1e9) : "", tokens / (nanos / 1e9));
    }
}
