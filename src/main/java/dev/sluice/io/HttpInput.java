package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/** An http(s) input opened as a stream, with errors that name the URL. */
public final class HttpInput {
    private HttpInput() {}

    /** True for {@code http://} and {@code https://} inputs. */
    public static boolean isHttp(String input) {
        String s = input.toLowerCase(Locale.ROOT);
        return s.startsWith("http://") || s.startsWith("https://");
    }

    /** True for any URL ({@code scheme://...}): s3://, hf://, gs:// and http(s)://. */
    public static boolean isUrl(String input) {
        return input.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

    /** GETs {@code url} (following redirects); the body streams as it is read. */
    public static InputStream open(String url) {
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw SluiceException.input(String.format(Locale.ROOT, "GET %s answered HTTP %d; check the URL",
                        url, r.statusCode()));
            }
            return r.body();
        } catch (IllegalArgumentException e) {
            throw SluiceException.usage("--input " + url + " is not a valid URL: " + e.getMessage());
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.input("interrupted while reading " + url, e);
        }
    }
}
