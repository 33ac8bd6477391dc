package dev.sluice.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.engine.SluiceException;
import dev.sluice.testing.LocalServer;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** URL inputs: how s3:// and hf:// are rewritten under a given environment, what is refused, and the fetch itself. */
class RemoteInputTest {
    @TempDir
    Path tmp;

    private static String url(String input, Map<String, String> env) {
        return RemoteInput.parse(input).request(env, Instant.EPOCH).uri().toString();
    }

    private static Optional<String> authorization(String input, Map<String, String> env) {
        HttpRequest r = RemoteInput.parse(input).request(env, Instant.EPOCH);
        return r.headers().firstValue("Authorization");
    }

    @Test
    void s3IsTheBucketsHostOrThePathStyleEndpoint() {
        RemoteInput in = RemoteInput.parse("s3://my-bucket/emb/part 1.parquet");
        assertEquals(RemoteInput.Kind.S3, in.kind());
        assertEquals("my-bucket", in.container());
        assertEquals("emb/part 1.parquet", in.path());
        assertEquals(RemoteInput.Format.PARQUET, in.format());
        assertEquals("https://my-bucket.s3.amazonaws.com/emb/part%201.parquet", url(in.given(), Map.of()));
        assertEquals("http://127.0.0.1:9000/my-bucket/emb/part%201.parquet",
                url(in.given(), Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/")));
        // The service-specific variable wins, as in the AWS SDKs; a blank one counts as unset.
        assertEquals("http://s3.local/my-bucket/emb/part%201.parquet", url(in.given(),
                Map.of("AWS_ENDPOINT_URL", "http://other", "AWS_ENDPOINT_URL_S3", "http://s3.local")));
        assertEquals("http://other/my-bucket/emb/part%201.parquet", url(in.given(),
                Map.of("AWS_ENDPOINT_URL", "http://other", "AWS_ENDPOINT_URL_S3", " ")));
        // Unsigned: no credentials of any kind go to S3, an HF token least of all.
        assertEquals(Optional.empty(), authorization(in.given(), Map.of("HF_TOKEN", "hf_secret")));
        assertEquals("https://b.s3.amazonaws.com/a%2Bb/%C3%A9t%C3%A9%23.npy", url("s3://b/a+b/été#.npy", Map.of()));
        assertEquals(RemoteInput.Format.VECTORS, RemoteInput.parse("s3://b/x.fvecs").format());
    }

    @Test
    void hfIsTheHubsResolveUrl() {
        RemoteInput in = RemoteInput.parse("hf://datasets/owner/repo/data/train-00000.parquet");
        assertEquals(RemoteInput.Kind.HF, in.kind());
        assertEquals("owner/repo", in.container());
        assertEquals("main", in.revision());
        assertEquals("https://huggingface.co/datasets/owner/repo/resolve/main/data/train-00000.parquet",
                url(in.given(), Map.of()));
        assertEquals("https://huggingface.co/datasets/o/r.x/resolve/v1.0/emb.npy",
                url("hf://datasets/o/r.x@v1.0/emb.npy", Map.of()));
        assertEquals("http://127.0.0.1:8080/datasets/o/r/resolve/3f2a/x.parquet",
                url("hf://datasets/o/r@3f2a/x.parquet", Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/")));
        // Special refs keep their slashes, encoded in the resolve URL as the Hub wants them; DuckDB's alias too.
        String parquetRef =
                "https://huggingface.co/datasets/o/r/resolve/refs%2Fconvert%2Fparquet/default/train/0.parquet";
        for (String rev : List.of("refs/convert/parquet", "refs%2Fconvert%2Fparquet", "~parquet")) {
            RemoteInput r = RemoteInput.parse("hf://datasets/o/r@" + rev + "/default/train/0.parquet");
            assertEquals("refs/convert/parquet", r.revision(), rev);
            assertEquals("default/train/0.parquet", r.path(), rev);
            assertEquals(parquetRef, url(r.given(), Map.of()), rev);
        }
        assertEquals("https://huggingface.co/datasets/o/r/resolve/refs%2Fpr%2F7/x.npy",
                url("hf://datasets/o/r@refs/pr/7/x.npy", Map.of()));
        // Any other slash ends the revision: a branch named "dev" and a file under "refs".
        assertEquals("https://huggingface.co/datasets/o/r/resolve/dev/refs/x.npy",
                url("hf://datasets/o/r@dev/refs/x.npy", Map.of()));
        assertEquals(Optional.of("Bearer hf_secret"), authorization(in.given(), Map.of("HF_TOKEN", "hf_secret")));
        assertEquals(Optional.empty(), authorization(in.given(), Map.of("HF_TOKEN", "")));
        assertEquals(Optional.empty(), authorization(in.given(), Map.of()));
    }

    @Test
    void httpIsFetchedAsGivenAndItsExtensionReadBeforeTheQuery() {
        String u = "https://host/x/emb.parquet?download=1#top";
        RemoteInput in = RemoteInput.parse(u);
        assertEquals(RemoteInput.Format.PARQUET, in.format());
        assertEquals(u, url(u, Map.of("HF_TOKEN", "t")));
        assertEquals(Optional.empty(), authorization(u, Map.of("HF_TOKEN", "t")));
        assertEquals(RemoteInput.Format.VECTORS, RemoteInput.parse("http://h/base.NPY?as=.parquet").format());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gs://bucket/emb.parquet|not gs://",
        "az://container/emb.npy|not az://",
        "hf://models/o/r/x.parquet|expected hf://datasets/OWNER/REPO/PATH or hf://datasets/OWNER/REPO@REVISION/PATH",
        "hf://datasets/o/x.parquet|expected hf://datasets/OWNER/REPO/PATH",
        "hf://datasets/o/r|expected hf://datasets/OWNER/REPO/PATH",
        "hf://datasets/o/r@/x.parquet|expected hf://datasets/OWNER/REPO/PATH",
        "hf://datasets/o/r//x.parquet|expected hf://datasets/OWNER/REPO/PATH",
        "s3://bucket|expected s3://BUCKET/KEY",
        "s3://bucket/|expected s3://BUCKET/KEY",
        "s3:///key.parquet|expected s3://BUCKET/KEY",
        "s3://bucket/emb/*.parquet|not a glob",
        "s3://bucket/emb/part-?.parquet|not a glob",
        "hf://datasets/o/r/data/*.parquet|not a glob",
        "https://host/part-*.parquet|not a glob",
        "https://host/emb.csv|must name a .npy, .fvecs or .parquet file",
        "s3://bucket/emb.bvecs|must name a .npy, .fvecs or .parquet file",
        "https://host/download?file=emb.parquet|must name a .npy, .fvecs or .parquet file"})
    void unsupportedOrMalformedUrlsAreUsageErrors(String input, String expected) {
        SluiceException e = assertThrows(SluiceException.class, () -> RemoteInput.parse(input));
        assertEquals(SluiceException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(input), e.getMessage());
    }

    /** The rewritten GETs reach a local server at the paths S3 and the Hub use; refusals say what to do. */
    @Test
    void copiesReachTheEndpointsAndRefusalsSayWhatToDo() throws Exception {
        byte[] npy = Files.readAllBytes(TestData.embeddings("queries.npy"));
        byte[] parquet = "PAR1 stands in: the Parquet copy is the bytes served PAR1".getBytes();
        try (LocalServer server = new LocalServer()) {
            server.file("/bucket/emb/queries.npy", npy)
                    .file("/datasets/o/r/resolve/main/emb/x.parquet", parquet, "Bearer hf_secret")
                    .status("/bucket/private.parquet", 403);
            Map<String, String> env = Map.of("AWS_ENDPOINT_URL", server.base(), "HF_ENDPOINT", server.base(),
                    "HF_TOKEN", "hf_secret");

            Path v = RemoteInput.parse("s3://bucket/emb/queries.npy").copyTo(tmp.resolve("s3"), Long.MAX_VALUE, env);
            assertEquals(tmp.resolve("s3/input.npy"), v);
            assertArrayEquals(npy, Files.readAllBytes(v));
            // A cap copies a whole .npy of the first vectors only: 300 x 384 float32 become 10 rows.
            Path capped = RemoteInput.parse("s3://bucket/emb/queries.npy").copyTo(tmp.resolve("cap"), 10, env);
            assertEquals(10 * 384 * 4, Files.size(capped) - (npy.length - 300 * 384 * 4));
            // Parquet is copied whole, whatever the cap.
            Path p = RemoteInput.parse("hf://datasets/o/r/emb/x.parquet").copyTo(tmp.resolve("hf"), 1, env);
            assertEquals(tmp.resolve("hf/input.parquet"), p);
            assertArrayEquals(parquet, Files.readAllBytes(p));
            assertEquals(List.of(new LocalServer.Request("/bucket/emb/queries.npy", null),
                    new LocalServer.Request("/bucket/emb/queries.npy", null),
                    new LocalServer.Request("/datasets/o/r/resolve/main/emb/x.parquet", "Bearer hf_secret")),
                    server.requests());

            String s3403 = refused("s3://bucket/private.parquet", env);
            assertTrue(s3403.contains("GET " + server.base() + "/bucket/private.parquet (s3://bucket/private.parquet)"
                    + " answered HTTP 403") && s3403.contains("read without credentials")
                    && s3403.contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), s3403);
            String s3404 = refused("s3://bucket/missing.parquet", env);
            assertTrue(s3404.contains("answered HTTP 404; check the bucket and key"), s3404);
            Map<String, String> noToken = Map.of("HF_ENDPOINT", server.base());
            String hf401 = refused("hf://datasets/o/r/emb/x.parquet", noToken);
            assertTrue(hf401.contains("HTTP 401") && hf401.contains("set HF_TOKEN"), hf401);
            String hfBadToken = refused("hf://datasets/o/r/emb/x.parquet", Map.of("HF_ENDPOINT", server.base(),
                    "HF_TOKEN", "hf_other"));
            assertTrue(hfBadToken.contains("HTTP 401") && hfBadToken.contains("HF_TOKEN cannot read"), hfBadToken);
            String hf404 = refused("hf://datasets/o/r@v2/emb/x.parquet", env);
            assertTrue(hf404.contains("/datasets/o/r/resolve/v2/emb/x.parquet (hf://datasets/o/r@v2/emb/x.parquet) "
                    + "answered HTTP 404; check the owner, repository, revision and path"), hf404);
            String http404 = refused(server.base() + "/nothing.npy", env);
            assertTrue(http404.equals("GET " + server.base() + "/nothing.npy answered HTTP 404; check the URL"),
                    http404);
        }
    }

    private String refused(String input, Map<String, String> env) {
        SluiceException e = assertThrows(SluiceException.class,
                () -> RemoteInput.parse(input).copyTo(tmp.resolve("refused"), Long.MAX_VALUE, env));
        assertEquals(SluiceException.Kind.INPUT, e.kind(), e.getMessage());
        return e.getMessage();
    }

    /** With AWS credentials in the environment, s3:// GETs are signed (SigV4) on the region's host. */
    @Test
    void s3WithCredentialsIsSignedOnTheRegionsHost() {
        Map<String, String> creds = Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_REGION", "eu-west-1");
        HttpRequest r = RemoteInput.parse("s3://b/emb/x y.npy").request(creds, Instant.parse("2026-12-07T10:00:00Z"));
        assertEquals("https://b.s3.eu-west-1.amazonaws.com/emb/x%20y.npy", r.uri().toString());
        assertEquals(Optional.of("20261207T100000Z"), r.headers().firstValue("x-amz-date"));
        assertEquals(Optional.of(S3Signer.EMPTY_SHA256), r.headers().firstValue("x-amz-content-sha256"));
        String auth = r.headers().firstValue("Authorization").orElseThrow();
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/s3/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="), auth);
        assertTrue(!auth.contains("secret"), auth);
        // An endpoint keeps its path style; one key without the other is no credentials.
        assertEquals("http://127.0.0.1:9000/b/emb/x%20y.npy", url("s3://b/emb/x y.npy",
                Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID", "a",
                        "AWS_SECRET_ACCESS_KEY", "s")));
        assertEquals(Optional.empty(), authorization("s3://b/x.npy", Map.of("AWS_ACCESS_KEY_ID", "a")));
    }

    /**
     * A private object on an S3-compatible endpoint is read with the signature the server recomputes from the
     * request as it arrived; wrong credentials get a refusal that names the key id, never the secret.
     */
    @Test
    void privateS3ObjectsAreReadWithCredentials() throws Exception {
        byte[] npy = Files.readAllBytes(TestData.embeddings("queries.npy"));
        try (LocalServer server = new LocalServer()) {
            server.s3Object("/bucket/emb/q%201.npy", npy, new S3Signer("AKIDEXAMPLE", "s3cr3t", "tok", "us-west-2"));
            Map<String, String> env = Map.of("AWS_ENDPOINT_URL", server.base(), "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY", "s3cr3t", "AWS_SESSION_TOKEN", "tok", "AWS_DEFAULT_REGION", "us-west-2");
            Path v = RemoteInput.parse("s3://bucket/emb/q 1.npy").copyTo(tmp.resolve("signed"), Long.MAX_VALUE, env);
            assertArrayEquals(npy, Files.readAllBytes(v));
            assertTrue(server.requests().getFirst().authorization().contains("SignedHeaders=host;x-amz-content-sha256;"
                    + "x-amz-date;x-amz-security-token"), server.requests().toString());

            Map<String, String> wrong = new java.util.HashMap<>(env);
            wrong.put("AWS_SECRET_ACCESS_KEY", "other-secret");
            String denied = refused("s3://bucket/emb/q 1.npy", wrong);
            assertTrue(denied.contains("HTTP 403") && denied.contains("AWS_ACCESS_KEY_ID AKIDEXAMPLE (region "
                    + "us-west-2) cannot read it") && !denied.contains("other-secret"), denied);
            Map<String, String> noRegion = new java.util.HashMap<>(env);
            noRegion.remove("AWS_DEFAULT_REGION");
            assertTrue(refused("s3://bucket/emb/q 1.npy", noRegion).contains("(region us-east-1)"));
        }
    }
}
