package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.Encoding;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The segment cache gives exactly jtokkit's ids, on real text and on text built to hit every cut rule. */
class SegmentEncoderTest {

    /** An encoder with its own cache and a shared one, each of about {@code bytes}. */
    private static SegmentEncoder encoder(Tiktoken t, long bytes) {
        return t.segmentEncoder(new SegmentCache(bytes), bytes);
    }

    private static void assertSame(Tiktoken t, SegmentEncoder e, String text) {
        int[] expected = t.encoding().encodeOrdinary(text).toArray();
        e.encode(text);
        int[] actual = e.take();
        if (!Arrays.equals(expected, actual)) {
            assertArrayEquals(expected, actual, t.name() + " on " + quote(text));
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
                : String.format("\\u%04x", c)));
        return b.append('"').toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base", "p50k_base", "r50k_base"})
    void sameIdsAsJtokkitOnTheDebianSample(String name) throws IOException {
        Tiktoken t = Tiktoken.of(name);
        ObjectMapper m = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(PackJobTest.SAMPLE)) {
            texts.add(m.readTree(line).get("text").asText());
        }
        // A cache that holds the sample and one that is emptied again and again; twice each, the second
        // pass served mostly from the cache.
        for (SegmentEncoder e : List.of(encoder(t, 16 << 20), encoder(t, 0))) {
            for (int pass = 0; pass < 2; pass++) {
                texts.forEach(text -> assertSame(t, e, text));
            }
        }
        // Documents appended one after the other come out as one run of ids.
        SegmentEncoder e = encoder(t, 1 << 20);
        List<Integer> expected = new ArrayList<>();
        for (String text : texts.subList(0, 50)) {
            e.encode(text);
            expected.addAll(t.encoding().encodeOrdinary(text).boxed());
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), e.take());
    }

    /** Workers share one cache: what one encoded, another takes from it, while both run. */
    @Test
    void workersSharingACacheGetTheSameIds() throws Exception {
        Tiktoken t = Tiktoken.of("cl100k_base");
        ObjectMapper m = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(PackJobTest.SAMPLE)) {
            texts.add(m.readTree(line).get("text").asText());
        }
        List<int[]> expected = texts.stream().map(x -> t.encoding().encodeOrdinary(x).toArray()).toList();
        SegmentCache shared = new SegmentCache(1 << 20);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> runs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int first = w;
                runs.add(pool.submit(() -> {
                    // A small own cache, so that most of its misses are answered by the shared one.
                    SegmentEncoder e = t.segmentEncoder(shared, 0);
                    for (int pass = 0; pass < 3; pass++) {
                        for (int i = first; i < texts.size(); i += 1 + pass) {
                            e.encode(texts.get(i));
                            assertArrayEquals(expected.get(i), e.take(), "document " + i);
                        }
                    }
                }));
            }
            for (Future<?> r : runs) {
                r.get();
            }
        }
    }

    /** Characters around every cut rule: ASCII classes, whitespace kinds, contractions, non-ASCII letters, marks, digits, surrogates. */
    private static final String[] ATOMS = {"a", "Z", "it", "We", "HTTP", "0", "7", "123", "4567", " ", "  ", "\t", "\n",
            "\r\n", "\n\n", "\u000b", "\f", ".", ",", "'", "'s", "'S", "'ll", "'RE", "'d", "/", "-", "(", ")", "#",
            "\"", "_", "~", "é", "e\u0301", "ß", "Ж", "日本", "\u00a0", "\u2003", "\u0085", "١٢", "²", "😀", "ſ", "\u212a",
            "\u0000", "\u001f", "\u007f", "<|endoftext|>"};

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base", "p50k_base", "r50k_base"})
    void sameIdsAsJtokkitOnRandomText(String name) {
        Tiktoken t = Tiktoken.of(name);
        SegmentEncoder e = encoder(t, 16 << 20);
        SegmentEncoder small = encoder(t, 0);
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + r.nextInt(12);
            for (int j = 0; j < n; j++) {
                b.append(ATOMS[r.nextInt(ATOMS.length)]);
            }
            assertSame(t, e, b.toString());
            assertSame(t, small, b.toString());
        }
        // Long segments (not cached) and a long document.
        assertSame(t, e, "x".repeat(SegmentCache.MAX_CHARS + 1) + " " + "-".repeat(100) + " 1" + "9".repeat(50));
        StringBuilder doc = new StringBuilder();
        IntStream.range(0, 5000).forEach(k -> doc.append(ATOMS[r.nextInt(ATOMS.length)]));
        assertSame(t, e, doc.toString());
    }

    /** Why some cuts are left out: in these texts the pieces of the parts alone differ from the whole's. */
    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base", "p50k_base"})
    void cutsThatWouldChangeTheIds(String name) {
        Tiktoken t = Tiktoken.of(name);
        Encoding enc = t.encoding();
        List<String[]> unsafe = new ArrayList<>();
        unsafe.add(new String[] {"x  ", "5"});            // a space before a digit: \s+(?!\S) looks ahead
        unsafe.add(new String[] {"x  ", "word"});         // the same before a word
        if (name.equals("p50k_base")) {
            unsafe.add(new String[] {"x\n\n", "Hello"});  // p50k has no \s*[\r\n]+
        }
        if (name.equals("o200k_base")) {
            unsafe.add(new String[] {"don", "'t"});       // o200k keeps a contraction with its word
        }
        SegmentEncoder e = encoder(t, 16 << 20);
        for (String[] parts : unsafe) {
            String whole = parts[0] + parts[1];
            int[] joined = IntStream.concat(Arrays.stream(enc.encodeOrdinary(parts[0]).toArray()),
                    Arrays.stream(enc.encodeOrdinary(parts[1]).toArray())).toArray();
            assertFalse(Arrays.equals(joined, enc.encodeOrdinary(whole).toArray()), name + " " + quote(whole));
            assertSame(t, e, whole);
        }
    }
}
