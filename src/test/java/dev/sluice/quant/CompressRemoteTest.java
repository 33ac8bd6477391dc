package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.JobContext;
import dev.sluice.engine.Json;
import dev.sluice.engine.Progress;
import dev.sluice.engine.SluiceException;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.testing.Cli;
import dev.sluice.testing.LocalServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compress over Parquet named by a URL: http(s), s3:// on AWS_ENDPOINT_URL and hf:// on HF_ENDPOINT, all pointed at
 * a local server, give the codes the local file gives.
 */
class CompressRemoteTest {
    /** 1,200 of the 2,500 sample vectors (the whole file is still downloaded), in batches of 1,000. */
    private static final List<String> OPTIONS = List.of("--column", "embedding", "--id-column", "id",
            "--max-vectors", "1200", "--batch-size", "1000", "--method", "pq", "--m", "16");

    @TempDir
    Path tmp;

    private Cli.Run cli(String input, Path out) {
        List<String> a = new ArrayList<>(List.of("compress", "--input", input, "--progress", "none",
                "--memory-limit", "1GB", "--tmp-dir", tmp.toString(), "--out", out.toString()));
        a.addAll(OPTIONS);
        return Cli.run(a.toArray(String[]::new));
    }

    /** The job with OPTIONS under {@code env}, as CompressCommand builds it (environment variables cannot be set). */
    private CompressJob.Result job(String input, Path out, Map<String, String> env) {
        CompressConfig config = new CompressConfig(input, "embedding", "id", "pq", 16, 8, 1, 100_000, 1000, 0, false,
                out, null, false, 3600, 1200);
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        JobContext ctx = new JobContext(2, OptionalLong.of(1L << 30), tmp, Progress.Mode.NONE, err, err);
        return new CompressJob(config, ctx, InputStream.nullInputStream(), env).run();
    }

    /**
     * The codebook and code shards byte for byte; of the manifest (whose parameters name the input) and the unit
     * records, the shards and totals.
     */
    private static void assertSameCodes(Path expected, Path got, String how) throws Exception {
        TreeMap<String, byte[]> a = Cli.outputFiles(expected), b = Cli.outputFiles(got);
        a.keySet().removeIf(f -> f.startsWith("_"));
        b.keySet().removeIf(f -> f.startsWith("_"));
        assertEquals(List.of(Codebook.FILE, "codes/part-00000-00000.parquet", "codes/part-00001-00000.parquet"),
                List.copyOf(a.keySet()));
        assertEquals(a.keySet(), b.keySet(), how);
        for (String f : a.keySet()) {
            assertArrayEquals(a.get(f), b.get(f), f + " differs " + how);
        }
        Manifest.Written m = Manifest.read(got);
        assertEquals(Manifest.read(expected).shards(), m.shards(), how);
        assertEquals(Manifest.read(expected).totals(), m.totals(), how);
        assertEquals(1200L, ((Number) m.totals().get("rows")).longValue(), how);
    }

    @Test
    void parquetUrlsGiveTheLocalFilesCodes() throws Exception {
        Path parquet = CompressResumeTest.asParquet(Path.of(CompressJobTest.BASE), tmp);
        byte[] bytes = Files.readAllBytes(parquet);
        Path local = tmp.resolve("local");
        Cli.Run l = cli(parquet.toString(), local);
        assertEquals(0, l.code(), l.toString());
        try (LocalServer server = new LocalServer()) {
            server.file("/files/base.parquet", bytes)
                    .file("/bucket/emb/base.parquet", bytes)
                    .file("/datasets/o/r/resolve/main/emb/base.parquet", bytes, "Bearer hf_secret")
                    .status("/bucket/private.parquet", 403);

            Path http = tmp.resolve("http");
            String url = server.base() + "/files/base.parquet?v=1";
            Cli.Run h = cli(url, http);
            assertEquals(0, h.code(), h.toString());
            assertSameCodes(local, http, "over http");
            assertEquals(url, ((Map<?, ?>) Json.read(http.resolve(OutputDir.MANIFEST)).get("parameters")).get("input"));

            Path s3 = tmp.resolve("s3");
            job("s3://bucket/emb/base.parquet", s3, Map.of("AWS_ENDPOINT_URL", server.base()));
            assertSameCodes(local, s3, "from s3:// on AWS_ENDPOINT_URL");

            Path hf = tmp.resolve("hf");
            job("hf://datasets/o/r/emb/base.parquet", hf, Map.of("HF_ENDPOINT", server.base() + "/",
                    "HF_TOKEN", "hf_secret"));
            assertSameCodes(local, hf, "from hf:// on HF_ENDPOINT");
            assertEquals(List.of(new LocalServer.Request("/files/base.parquet", null),
                    new LocalServer.Request("/bucket/emb/base.parquet", null),
                    new LocalServer.Request("/datasets/o/r/resolve/main/emb/base.parquet", "Bearer hf_secret")),
                    server.requests());

            // A private object: exit 3's kind, what to do, and no output that looks complete.
            Path denied = tmp.resolve("denied");
            SluiceException e = assertThrows(SluiceException.class,
                    () -> job("s3://bucket/private.parquet", denied, Map.of("AWS_ENDPOINT_URL", server.base())));
            assertEquals(SluiceException.Kind.INPUT, e.kind());
            assertTrue(e.getMessage().contains("HTTP 403") && e.getMessage().contains("read without credentials"),
                    e.getMessage());
            assertFalse(Files.exists(denied.resolve(OutputDir.MANIFEST)));
            // A missing file through the command line: exit 3, the URL in the message.
            Cli.Run m = cli(server.base() + "/files/nothing.parquet", tmp.resolve("missing"));
            assertEquals(3, m.code(), m.toString());
            assertTrue(m.err().contains("HTTP 404") && m.err().contains("/files/nothing.parquet"), m.err());
            assertEquals(5, server.requests().size(), "one GET each");
        }
        // The copies lived in each run's temporary directory under --tmp-dir, deleted at its end.
        try (Stream<Path> files = Files.walk(tmp)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().equals("input.parquet")).toList());
        }
    }

    @Test
    void otherSchemesAndGlobsAreRefusedBeforeAnyWork() {
        for (String input : List.of("gs://bucket/emb.parquet", "s3://bucket/emb/*.parquet")) {
            Path out = tmp.resolve("refused");
            Cli.Run r = cli(input, out);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(input) && r.err().contains(input.startsWith("gs") ? "download the file"
                    : "not a glob"), r.err());
            assertFalse(Files.exists(out), "nothing written for " + input);
        }
    }
}
