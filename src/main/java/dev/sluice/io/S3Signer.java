package dev.sluice.io;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for one S3 GET without a body, by AWS's "Signature Calculations for the Authorization
 * Header" (checked against its GetObject example): the canonical request of the method, the path as sent, no query,
 * the signed headers lower-cased and sorted; the string to sign with the day's scope; the key derived from the
 * secret through the day, the region, "s3" and "aws4_request". Enough for reading private objects from AWS or an
 * S3-compatible store (MinIO, R2) without an SDK.
 */
public record S3Signer(String keyId, String secret, String sessionToken, String region) {
    /** The SHA-256 of an empty body, what a GET sends as {@code x-amz-content-sha256}. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /**
     * The signer for {@code env}'s credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN for
     * temporary ones; the region from AWS_REGION, AWS_DEFAULT_REGION or us-east-1, as the AWS CLI takes them), or
     * null without both keys: then objects are read unsigned, as public ones.
     */
    public static S3Signer fromEnv(Map<String, String> env) {
        String id = value(env, "AWS_ACCESS_KEY_ID"), secret = value(env, "AWS_SECRET_ACCESS_KEY");
        if (id == null || secret == null) {
            return null;
        }
        String region = value(env, "AWS_REGION");
        region = region != null ? region : value(env, "AWS_DEFAULT_REGION");
        return new S3Signer(id, secret, value(env, "AWS_SESSION_TOKEN"), region != null ? region : "us-east-1");
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /**
     * The headers to send with a GET of {@code rawPath} (percent-encoded, as on the wire) from {@code host} (with
     * its port when not the scheme's default) at {@code now}: {@code x-amz-date}, {@code x-amz-content-sha256},
     * the session token if any, and {@code Authorization}. Host itself is sent by the HTTP client.
     */
    public SortedMap<String, String> headers(String host, String rawPath, Instant now) {
        SortedMap<String, String> signed = new TreeMap<>();
        signed.put("host", host);
        signed.put("x-amz-content-sha256", EMPTY_SHA256);
        signed.put("x-amz-date", AMZ_DATE.format(now));
        if (sessionToken != null) {
            signed.put("x-amz-security-token", sessionToken);
        }
        SortedMap<String, String> out = new TreeMap<>(signed);
        out.remove("host");
        out.put("Authorization", authorization("GET", rawPath, signed));
        return out;
    }

    /**
     * The Authorization header of a request with no query and an empty body whose signed headers (lower-case
     * names, values as sent, {@code x-amz-date} among them) are {@code signed}.
     */
    public String authorization(String method, String rawPath, SortedMap<String, String> signed) {
        String amzDate = signed.get("x-amz-date");
        String day = amzDate.substring(0, 8);
        String names = String.join(";", signed.keySet());
        String canonical = method + "\n" + rawPath + "\n\n"
                + signed.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue().strip() + "\n")
                        .collect(Collectors.joining())
                + "\n" + names + "\n" + signed.getOrDefault("x-amz-content-sha256", EMPTY_SHA256);
        String scope = day + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
        for (String part : new String[] {region, "s3", "aws4_request"}) {
            key = hmac(key, part);
        }
        return "AWS4-HMAC-SHA256 Credential=" + keyId + "/" + scope + ", SignedHeaders=" + names + ", Signature="
                + hex(hmac(key, toSign));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** The key id and region only: the secret and token never reach a log or an error message. */
    @Override
    public String toString() {
        return "S3Signer[" + keyId + ", " + region + "]";
    }
}
