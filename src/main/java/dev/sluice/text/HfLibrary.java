package dev.sluice.text;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sluice.engine.Install;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Rust {@code tokenizers} library as DJL ships it ({@code libtokenizers.so} inside its jar), called through
 * DJL's JNI class directly: its {@code HuggingFaceTokenizer.encode} also copies out every token's string and
 * character span, which pack does not use.
 *
 * <p>Loading. DJL's {@code LibUtils} would copy the library out of the jar into {@code ~/.djl.ai} (a write
 * outside anything the user named, and a download-cache layout besides) unless {@code RUST_LIBRARY_PATH} (system
 * property or environment) names the file, which it then loads in place. The build unpacks the library into
 * {@code lib/} beside the jar ({@link Install#libDir()}): found there, it is loaded from there. Elsewhere (the
 * tests, which run from classes) it is copied into a fresh temporary directory, loaded, and deleted at once (a
 * loaded library needs no file), so nothing is left behind.
 */
final class HfLibrary {
    private static final String OVERRIDE = "RUST_LIBRARY_PATH";
    /**
     * Loaded tokenizers by the SHA-256 of their file, kept for the life of the process and never freed: workers
     * that a failing run stops may still be inside {@code encode} when it ends, and a freed tokenizer under them
     * would crash the JVM. A second run in one process (the tests) reuses the first's.
     */
    private static final Map<String, Long> TOKENIZERS = new ConcurrentHashMap<>();
    private static boolean loaded;

    private HfLibrary() {}

    /** The tokenizer of {@code json} (the content of {@code file}, whose hash is {@code sha256}), loaded once. */
    static long tokenizer(String sha256, String json, Path file) {
        load();
        return TOKENIZERS.computeIfAbsent(sha256, k -> {
            long handle;
            try {
                handle = TokenizersLibrary.LIB.createTokenizerFromString(json);
            } catch (RuntimeException e) {
                throw HfTokenizer.notTokenizerJson(file, e.getMessage());
            }
            // A file may carry truncation or padding settings; pack wants every token of every document.
            TokenizersLibrary.LIB.disableTruncation(handle);
            TokenizersLibrary.LIB.disablePadding(handle);
            return handle;
        });
    }

    /** The ids of {@code text} as ordinary text (no special tokens added). Safe on many threads at once. */
    static long[] encode(long tokenizer, String text) {
        long encoding;
        try {
            encoding = TokenizersLibrary.LIB.encode(tokenizer, wellFormed(text), false);
        } catch (RuntimeException e) {
            throw SluiceException.internal("the tokenizers library failed on a document: " + e.getMessage(), e);
        }
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /**
     * {@code text} with each lone surrogate replaced by U+FFFD, as a UTF-8 encoder (and the JavaScript reference)
     * writes it; the JNI string conversion would pass it on as bytes that are not UTF-8.
     */
    static String wellFormed(String text) {
        int n = text.length();
        int i = 0;
        while (i < n && !Character.isSurrogate(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder b = new StringBuilder(n).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                b.append(c).append(text.charAt(++i));
            } else {
                b.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        String lib = System.mapLibraryName("tokenizers");
        Path copied = null;
        if (System.getProperty(OVERRIDE) == null && System.getenv(OVERRIDE) == null) {
            Path built = Install.library(lib).or(() -> onLibraryPath(lib)).orElse(null);
            if (built == null) {
                copied = copyFromJar(lib);
                built = copied.resolve(lib);
            }
            System.setProperty(OVERRIDE, built.toString());
        }
        try {
            LibUtils.checkStatus();
        } catch (RuntimeException | LinkageError e) {
            throw SluiceException.internal("cannot load the Hugging Face tokenizers library (" + lib + ", "
                    + System.getProperty(OVERRIDE, System.getenv(OVERRIDE)) + "): " + e.getMessage(), e);
        } finally {
            if (copied != null) {
                TempDirs.deleteTree(copied);
            }
        }
        loaded = true;
    }

    private static Optional<Path> onLibraryPath(String lib) {
        for (String dir : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isRegularFile(Path.of(dir, lib))) {
                return Optional.of(Path.of(dir, lib).toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** DJL's jar holds the library at native/lib/OS-ARCH/cpu/ (linux-x86_64, linux-aarch64, osx-aarch64). */
    private static Path copyFromJar(String lib) {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String platform = (os.startsWith("mac") ? "osx" : os.startsWith("windows") ? "win" : os) + "-"
                + (arch.equals("amd64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch);
        String resource = "native/lib/" + platform + "/cpu/" + lib;
        try (InputStream in = LibUtils.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw SluiceException.usage("a Hugging Face tokenizer.json needs the tokenizers library, which DJL "
                        + "ships for linux-x86_64, linux-aarch64 and osx-aarch64, not for " + platform
                        + "; use a tiktoken encoding here (--tokenizer cl100k_base)");
            }
            Path dir = Files.createTempDirectory("sluice-tokenizers");
            Files.copy(in, dir.resolve(lib));
            return dir;
        } catch (IOException e) {
            throw SluiceException.cannotWrite("a copy of " + lib + " in " + System.getProperty("java.io.tmpdir"), e);
        }
    }
}
