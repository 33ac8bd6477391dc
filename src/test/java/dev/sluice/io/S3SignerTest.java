package dev.sluice.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Signature Version 4 against AWS's own worked example, and the credentials taken from the environment. */
class S3SignerTest {
    /**
     * The GetObject example of AWS's "Signature Calculations for the Authorization Header: Transferring Payload in a
     * Single Chunk": the first 10 bytes of examplebucket/test.txt on 2013-05-24.
     */
    @Test
    void awssGetObjectExampleGivesItsSignature() {
        S3Signer s = new S3Signer("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null,
                "us-east-1");
        SortedMap<String, String> headers = new TreeMap<>(Map.of("host", "examplebucket.s3.amazonaws.com",
                "range", "bytes=0-9", "x-amz-content-sha256", S3Signer.EMPTY_SHA256, "x-amz-date", "20130524T000000Z"));
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
                s.authorization("GET", "/test.txt", headers));
    }

    @Test
    void headersCarryTheDateTheTokenAndTheSignature() {
        S3Signer s = new S3Signer("AKID", "secret", "session", "eu-central-1");
        SortedMap<String, String> h = s.headers("b.s3.eu-central-1.amazonaws.com", "/k.npy",
                Instant.parse("2026-01-02T03:04:05Z"));
        assertEquals("20260102T030405Z", h.get("x-amz-date"));
        assertEquals("session", h.get("x-amz-security-token"));
        assertEquals(S3Signer.EMPTY_SHA256, h.get("x-amz-content-sha256"));
        SortedMap<String, String> signed = new TreeMap<>(h);
        signed.remove("Authorization");
        signed.put("host", "b.s3.eu-central-1.amazonaws.com");
        assertEquals(s.authorization("GET", "/k.npy", signed), h.get("Authorization"));
        assertTrue(h.get("Authorization").contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                + "x-amz-security-token"), h.get("Authorization"));
    }

    @Test
    void credentialsAndRegionComeFromTheEnvironmentAsTheAwsCliTakesThem() {
        assertNull(S3Signer.fromEnv(Map.of()));
        assertNull(S3Signer.fromEnv(Map.of("AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", " ")));
        Map<String, String> keys = Map.of("AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "s");
        assertEquals("us-east-1", S3Signer.fromEnv(keys).region());
        Map<String, String> both = new java.util.HashMap<>(keys);
        both.put("AWS_DEFAULT_REGION", "eu-west-3");
        assertEquals("eu-west-3", S3Signer.fromEnv(both).region());
        both.put("AWS_REGION", "ap-south-1");
        assertEquals("ap-south-1", S3Signer.fromEnv(both).region());
        assertEquals("S3Signer[a, ap-south-1]", S3Signer.fromEnv(both).toString());
    }
}
