package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.shard.Manifest;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compress over the first N vectors ({@code --max-vectors}), and over vectors piped on standard input. */
class CompressStreamTest {
    @TempDir
    Path tmp;

    private List<String> compress(String input, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("compress", "--input", input, "--method", "pq", "--m", "16",
                "--batch-size", "1000", "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(),
                "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void maxVectorsEncodesTheFirstVectorsOnly() {
        Path out = tmp.resolve("capped");
        Cli.Run r = Cli.run(compress(CompressJobTest.BASE, out, "--max-vectors", "1500").toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        Manifest.Written m = Manifest.read(out);
        assertEquals(1500L, m.shards().stream().mapToLong(s -> s.rows()).sum());
        assertEquals(2, m.units(), "1,500 vectors in batches of 1,000");
        assertEquals(1500L, ((Number) m.totals().get("rows")).longValue());
    }

    /** An http URL (a local server here) streams like standard input: the file's codes, up to the cap. */
    @Test
    void anHttpUrlGivesTheFilesCodes() throws Exception {
        Path dir = Path.of(CompressJobTest.BASE).toAbsolutePath().getParent();
        var server = com.sun.net.httpserver.SimpleFileServer.createFileServer(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), dir,
                com.sun.net.httpserver.SimpleFileServer.OutputLevel.NONE);
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/base.npy";
            Path fromFile = tmp.resolve("file-1200");
            assertEquals(0, Cli.run(compress(CompressJobTest.BASE, fromFile, "--max-vectors", "1200")
                    .toArray(String[]::new)).code());
            Path fromUrl = tmp.resolve("url-1200");
            Cli.Run r = Cli.run(compress(url, fromUrl, "--max-vectors", "1200").toArray(String[]::new));
            assertEquals(0, r.code(), r.toString());
            assertArrayEquals(Files.readAllBytes(fromFile.resolve(Codebook.FILE)),
                    Files.readAllBytes(fromUrl.resolve(Codebook.FILE)));
            for (String shard : List.of("codes/part-00000-00000.parquet", "codes/part-00001-00000.parquet")) {
                assertArrayEquals(Files.readAllBytes(fromFile.resolve(shard)),
                        Files.readAllBytes(fromUrl.resolve(shard)), shard);
            }
            // Without a cap the whole file is read.
            Path whole = tmp.resolve("url-whole");
            assertEquals(0, Cli.run(compress(url, whole).toArray(String[]::new)).code());
            assertEquals(2500L, ((Number) Manifest.read(whole).totals().get("rows")).longValue());
            // A missing file: the status and the URL, exit 3, no output that looks complete.
            Path missing = tmp.resolve("missing");
            Cli.Run m = Cli.run(compress(url.replace("base.npy", "nothing.npy"), missing).toArray(String[]::new));
            assertEquals(3, m.code(), m.toString());
            assertTrue(m.err().contains("HTTP 404") && m.err().contains("nothing.npy"), m.err());
            assertFalse(Files.exists(missing.resolve("_manifest.json")));
        } finally {
            server.stop(0);
        }
        // URLs compress cannot read are refused before any work, with what to do.
        Cli.Run gs = Cli.run(compress("gs://bucket/embeddings.parquet", tmp.resolve("gs")).toArray(String[]::new));
        assertEquals(2, gs.code(), gs.toString());
        assertTrue(gs.err().contains("download the file"), gs.err());
    }

    @Test
    void standardInputIsReadUpToTheCapAndGivesTheFilesCodes() throws Exception {
        // The whole sample piped in gives the codebook and codes the file gives (the same vectors, seed and plan).
        Path fromFile = tmp.resolve("file");
        assertEquals(0, Cli.run(compress(CompressJobTest.BASE, fromFile, "--max-vectors", "2500")
                .toArray(String[]::new)).code());
        Path fromPipe = tmp.resolve("pipe");
        assertEquals(0, piped(CompressJobTest.BASE, compress("-", fromPipe, "--max-vectors", "2500")), "piped");
        assertArrayEquals(Files.readAllBytes(fromFile.resolve(Codebook.FILE)),
                Files.readAllBytes(fromPipe.resolve(Codebook.FILE)));
        for (String shard : List.of("codes/part-00000-00000.parquet", "codes/part-00001-00000.parquet",
                "codes/part-00002-00000.parquet")) {
            assertArrayEquals(Files.readAllBytes(fromFile.resolve(shard)), Files.readAllBytes(fromPipe.resolve(shard)),
                    shard);
        }
        // A cap below the stream's length stops reading there.
        Path capped = tmp.resolve("pipe-capped");
        assertEquals(0, piped(CompressJobTest.BASE, compress("-", capped, "--max-vectors", "700")));
        assertEquals(700L, ((Number) Manifest.read(capped).totals().get("rows")).longValue());
    }

    @Test
    void standardInputWithoutACapIsRefused() {
        Path out = tmp.resolve("uncapped");
        Cli.Run r = Cli.run(compress("-", out).toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--max-vectors is required when reading standard input"), r.err());
        assertFalse(Files.exists(out));
    }

    /** Runs compress in a child JVM with {@code file} as its standard input; returns the exit code. */
    private int piped(String file, List<String> args) throws Exception {
        Path log = tmp.resolve("piped.log");
        Process p = Cli.childJvm("512m", args).redirectInput(Path.of(file).toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        if (p.exitValue() != 0) {
            System.out.println(Files.readString(log));
        }
        return p.exitValue();
    }
}
