package dev.sluice.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.io.S3Signer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP server on the loopback address (the JDK's {@link HttpServer}) that answers GETs of exact paths: a body,
 * a status, a body only for the right {@code Authorization} header (401 otherwise) or only for a request signed
 * with given S3 credentials (403 otherwise); 404 for any other path. It
 * records each request's path and {@code Authorization} header, so a test sees where a URL was rewritten to.
 */
public final class LocalServer implements AutoCloseable {
    /** One request as received: the raw path (still percent-encoded) and its Authorization header, or null. */
    public record Request(String path, String authorization) {}

    private record Route(int status, byte[] body, String authorization, S3Signer signer) {
        Route(int status, byte[] body, String authorization) {
            this(status, body, authorization, null);
        }
    }

    private final HttpServer server;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public LocalServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::answer);
        server.start();
    }

    /** {@code http://127.0.0.1:PORT}, no trailing slash. */
    public String base() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** {@code path} answers 200 with {@code body}. */
    public LocalServer file(String path, byte[] body) {
        routes.put(path, new Route(200, body, null));
        return this;
    }

    /** {@code path} answers 200 with {@code body} for exactly {@code authorization}, 401 otherwise. */
    public LocalServer file(String path, byte[] body, String authorization) {
        routes.put(path, new Route(200, body, authorization));
        return this;
    }

    /**
     * {@code path} answers 200 with {@code body} for a request signed by {@code signer}'s credentials, 403
     * otherwise: the signature is recomputed from the request as received (its Host, path and x-amz headers).
     */
    public LocalServer s3Object(String path, byte[] body, S3Signer signer) {
        routes.put(path, new Route(200, body, null, signer));
        return this;
    }

    /** {@code path} answers {@code status} with an empty body. */
    public LocalServer status(String path, int status) {
        routes.put(path, new Route(status, new byte[0], null));
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void answer(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getRawPath();
        String auth = x.getRequestHeaders().getFirst("Authorization");
        requests.add(new Request(path, auth));
        Route r = routes.getOrDefault(path, new Route(404, new byte[0], null));
        int status = r.authorization() != null && !r.authorization().equals(auth) ? 401
                : r.signer() != null && !signedBy(r.signer(), x, auth) ? 403 : r.status();
        byte[] body = status == 200 ? r.body() : new byte[0];
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private static boolean signedBy(S3Signer signer, HttpExchange x, String auth) {
        SortedMap<String, String> signed = new TreeMap<>();
        signed.put("host", x.getRequestHeaders().getFirst("Host"));
        for (String name : new String[] {"x-amz-content-sha256", "x-amz-date", "x-amz-security-token"}) {
            String v = x.getRequestHeaders().getFirst(name);
            if (v != null) {
                signed.put(name, v);
            }
        }
        return auth != null && signed.containsKey("x-amz-date")
                && auth.equals(signer.authorization("GET", x.getRequestURI().getRawPath(), signed));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
