package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A vector input named by a URL, and the one plain GET that fetches it: {@code http(s)://} as given,
 * {@code s3://BUCKET/KEY} as a GET of the object ({@code https://BUCKET.s3.amazonaws.com/KEY}, or
 * {@code $AWS_ENDPOINT_URL/BUCKET/KEY} path style), signed with AWS Signature Version 4 when
 * {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} are set ({@link S3Signer}; then on the region's
 * host, {@code https://BUCKET.s3.REGION.amazonaws.com/KEY}) and unsigned otherwise, for public objects;
 * {@code hf://datasets/OWNER/REPO[@REVISION]/PATH} as the Hub's {@code resolve} URL (on {@code $HF_ENDPOINT} when
 * set, with {@code $HF_TOKEN} as a bearer token); a revision may be a branch, tag or commit, a special ref with
 * slashes ({@code refs/convert/parquet}, {@code refs/pr/N}), percent-encoded ({@code refs%2Fconvert%2Fparquet}),
 * or DuckDB's alias {@code ~parquet}. DuckDB's httpfs
 * extension is not loaded (it downloads itself on first use), so the file is copied to a local directory: .npy and
 * .fvecs streams up to a cap of vectors, Parquet whole, since its footer is at the end.
 *
 * <p>{@link #parse} needs no environment, so options are checked before any work; {@link #request} reads it from a
 * map ({@code System.getenv()} in production), so the rewriting is tested without setting variables.
 */
public record RemoteInput(String given, Kind kind, String container, String revision, String path, Format format) {

    /** Where the URL points. */
    public enum Kind {
        /** {@code http(s)://}: fetched as given; {@code container}, {@code revision} and {@code path} are null. */
        HTTP,
        /** {@code s3://}: {@code container} is the bucket, {@code path} the key. */
        S3,
        /** {@code hf://datasets/}: {@code container} is OWNER/REPO, {@code revision} defaults to main. */
        HF
    }

    /** How the file is read, by the extension of its path. */
    public enum Format {
        /** .npy or .fvecs, told apart by the .npy magic and copied up to the cap. */
        VECTORS,
        /** Parquet, downloaded whole and read by DuckDB. */
        PARQUET
    }

    /** The form an hf:// input must have, for its usage errors. */
    static final String HF_FORM = "hf://datasets/OWNER/REPO/PATH or hf://datasets/OWNER/REPO@REVISION/PATH";
    /** The Hub's address unless {@code HF_ENDPOINT} says otherwise, as huggingface_hub does. */
    static final String HF_DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Pattern URL = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", Pattern.DOTALL);
    private static final Pattern HF = Pattern.compile(
            "datasets/([^/@]+)/([^/@]+)(?:@(refs/convert/[^/]+|refs/pr/[0-9]+|[^/]+))?/(.+)", Pattern.DOTALL);

    /** True for any URL ({@code scheme://...}), supported or not. */
    public static boolean isUrl(String input) {
        return URL.matcher(input).matches();
    }

    /**
     * Parses {@code input} (a URL): usage errors for a scheme other than http(s), s3 and hf, a glob, a malformed
     * s3:// or hf:// path, and a file that is neither .npy, .fvecs nor .parquet.
     */
    public static RemoteInput parse(String input) {
        Matcher m = URL.matcher(input);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a URL: " + input);
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        String rest = m.group(2);
        return switch (scheme) {
            case "http", "https" -> {
                // The query and fragment belong to the server; globs and the extension are read from the path.
                String path = rest.replaceFirst("[?#].*", "");
                refuseGlob(input, path.contains("*"));
                yield new RemoteInput(input, Kind.HTTP, null, null, null, format(input, path));
            }
            case "s3" -> {
                int slash = rest.indexOf('/');
                if (slash < 1 || slash == rest.length() - 1) {
                    throw SluiceException.usage("--input " + input + ": expected s3://BUCKET/KEY");
                }
                String key = rest.substring(slash + 1);
                refuseGlob(input, key.matches("(?s).*[*?\\[].*"));
                yield new RemoteInput(input, Kind.S3, rest.substring(0, slash), null, key, format(input, key));
            }
            case "hf" -> {
                Matcher h = HF.matcher(rest);
                if (!h.matches() || h.group(4).startsWith("/") || h.group(4).contains("//")) {
                    throw SluiceException.usage("--input " + input + ": expected " + HF_FORM
                            + " (a file of a dataset repository on the Hugging Face Hub)");
                }
                refuseGlob(input, h.group(4).matches("(?s).*[*?\\[].*"));
                yield new RemoteInput(input, Kind.HF, h.group(1) + "/" + h.group(2), revision(h.group(3)),
                        h.group(4), format(input, h.group(4)));
            }
            default -> throw SluiceException.usage("--input " + input + ": compress reads http(s)://, s3:// and "
                    + "hf://datasets/ URLs, not " + scheme + "://; download the file and give its path");
        };
    }

    /** An hf:// revision as the Hub names it: main when absent, percent-decoded, DuckDB's ~parquet resolved. */
    private static String revision(String given) {
        if (given == null) {
            return "main";
        }
        String r = URLDecoder.decode(given.replace("+", "%2B"), StandardCharsets.UTF_8);
        return r.equals("~parquet") ? "refs/convert/parquet" : r;
    }

    private static void refuseGlob(String input, boolean glob) {
        if (glob) {
            throw SluiceException.usage("--input " + input + ": a URL names one file, not a glob (nothing lists "
                    + "remote directories); give one URL, or download the files and give a local glob");
        }
    }

    private static Format format(String input, String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".npy") || p.endsWith(".fvecs")) {
            return Format.VECTORS;
        }
        if (p.endsWith(".parquet")) {
            return Format.PARQUET;
        }
        throw SluiceException.usage("--input " + input + ": a URL must name a .npy, .fvecs or .parquet file (told "
                + "apart by its extension); download other files and give their path");
    }

    /**
     * The GET this input stands for under {@code env} at {@code now}: its URL, for hf:// with HF_TOKEN its bearer
     * token, for s3:// with AWS credentials its signature.
     */
    public HttpRequest request(Map<String, String> env, Instant now) {
        S3Signer signer = kind == Kind.S3 ? S3Signer.fromEnv(env) : null;
        String url = switch (kind) {
            case HTTP -> given;
            case S3 -> {
                // AWS SDKs take the service-specific variable before the general one.
                String endpoint = nonBlank(env.get("AWS_ENDPOINT_URL_S3"), env.get("AWS_ENDPOINT_URL"));
                // Signed on AWS: the region's host, whose region the signature names (the global host answers
                // for us-east-1 and redirects the rest, which a signature does not survive).
                String host = signer == null ? ".s3.amazonaws.com/" : ".s3." + signer.region() + ".amazonaws.com/";
                yield endpoint == null ? "https://" + container + host + encodePath(path)
                        : stripSlash(endpoint) + "/" + container + "/" + encodePath(path);
            }
            case HF -> stripSlash(nonBlank(env.get("HF_ENDPOINT"), HF_DEFAULT_ENDPOINT)) + "/datasets/" + container
                    + "/resolve/" + encode(revision) + "/" + encodePath(path);
        };
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url)).GET();
        } catch (IllegalArgumentException e) {
            throw SluiceException.usage("--input " + given + (url.equals(given) ? "" : " (" + url + ")")
                    + " is not a valid URL: " + e.getMessage());
        }
        String token = kind == Kind.HF ? nonBlank(env.get("HF_TOKEN"), null) : null;
        if (token != null) {
            // The JDK's client drops it on a redirect to another origin (the Hub sends file bodies from a CDN).
            b.header("Authorization", "Bearer " + token);
        }
        if (signer != null) {
            // The Host header the JDK's client sends: the port only when the URL gives one.
            URI u = URI.create(url);
            String host = u.getPort() == -1 ? u.getHost() : u.getHost() + ":" + u.getPort();
            signer.headers(host, u.getRawPath(), now).forEach(b::header);
        }
        return b.build();
    }

    /**
     * GETs the file (following redirects); the body streams as it is read. A status other than 200 is an input
     * error that names the URL and what to do.
     */
    public InputStream open(Map<String, String> env) {
        HttpRequest request = request(env, Instant.now());
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw SluiceException.input(refusal(request.uri(), r.statusCode(), env));
            }
            return r.body();
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + describe(request.uri()) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.input("interrupted while reading " + describe(request.uri()), e);
        }
    }

    /** What a status other than 200 means for this kind of URL, and the fix. */
    String refusal(URI url, int status, Map<String, String> env) {
        String head = String.format(Locale.ROOT, "GET %s answered HTTP %d", describe(url), status);
        S3Signer signer = kind == Kind.S3 ? S3Signer.fromEnv(env) : null;
        if (kind == Kind.S3 && status == 403 && signer == null) {
            return head + ": it was read without credentials, as a public object (S3 also answers 403 for a key "
                    + "that does not exist); check the bucket and key, or set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY (and AWS_REGION) to read a private object";
        }
        if (kind == Kind.S3 && status == 403) {
            return head + ": the credentials of AWS_ACCESS_KEY_ID " + signer.keyId() + " (region " + signer.region()
                    + ") cannot read it, or the key does not exist (S3 answers 403 for both without the right to "
                    + "list the bucket); check the bucket, the key, AWS_REGION and the object's permissions";
        }
        if (kind == Kind.S3 && status == 301) {
            return head + ": the bucket is in another region than " + (signer == null ? "us-east-1"
                    : signer.region()) + "; set AWS_REGION to the bucket's region";
        }
        if (kind == Kind.HF && (status == 401 || status == 403)) {
            return head + (nonBlank(env.get("HF_TOKEN"), null) == null
                    ? ": the dataset is private or gated; set HF_TOKEN to a token that can read it"
                    : ": HF_TOKEN cannot read this dataset; accept its terms on its page or use a token that can")
                    + ", or download the file and give its path";
        }
        return head + switch (kind) {
            case HTTP -> "; check the URL";
            case S3 -> "; check the bucket and key";
            case HF -> "; check the owner, repository, revision and path";
        };
    }

    /** The URL fetched, with the input it was rewritten from. */
    private String describe(URI url) {
        return kind == Kind.HTTP ? given : url + " (" + given + ")";
    }

    /**
     * Copies the file into {@code dir} and returns the copy: .npy and .fvecs up to {@code cap} vectors (the rest is
     * not read), Parquet whole whatever the cap, as {@code input.parquet}.
     */
    public Path copyTo(Path dir, long cap, Map<String, String> env) {
        try (InputStream body = open(env)) {
            if (format == Format.VECTORS) {
                return StreamedVectors.spool(body, given, dir, cap);
            }
            Path file = dir.resolve("input.parquet");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw SluiceException.cannotWrite(dir, e);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[1 << 20];
                while (true) {
                    int n;
                    try {
                        n = body.read(buf);
                    } catch (IOException e) {
                        throw SluiceException.input("cannot read " + given + " (the download broke off): " + e, e);
                    }
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                throw SluiceException.cannotWrite(file, e);
            }
            return file;
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + given + ": " + e.getMessage(), e);
        }
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static String stripSlash(String endpoint) {
        return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }

    /** An object key or repository path as URL path segments: each segment percent-encoded, the slashes kept. */
    static String encodePath(String path) {
        return Arrays.stream(path.split("/", -1)).map(RemoteInput::encode).collect(Collectors.joining("/"));
    }

    /** One path segment: RFC 3986's unreserved characters as they are, every other UTF-8 byte as %XX. */
    static String encode(String segment) {
        StringBuilder s = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                s.append((char) c);
            } else {
                s.append(String.format(Locale.ROOT, "%%%02X", c));
            }
        }
        return s.toString();
    }
}
