package dev.sluice.engine;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where this installation keeps the native libraries that sit beside its jar: {@code lib/} next to
 * {@code sluice.jar} (the build's {@code target/lib}, the archive's {@code app/lib}). Found from the jar on the
 * class path, so the launcher, a bare {@code java -jar} and a moved or copied tree all load their own copies.
 * DuckDB's driver finds its library there itself (on {@code java.library.path}, which the launcher sets, or beside
 * its jar); ONNX Runtime and the Hugging Face tokenizers are pointed at it here.
 */
public final class Install {
    private static final String ONNX_RUNTIME_PATH = "onnxruntime.native.path";

    private Install() {}

    /**
     * The installation's root, where {@code data-samples/} and {@code scripts/} are: {@code sluice.home} as the
     * launcher sets it, else the folder above the jar's (a source tree above {@code target/}, the archive above
     * {@code app/}), else the working directory.
     */
    public static Path home() {
        String set = System.getProperty("sluice.home");
        if (set != null) {
            return Path.of(set);
        }
        return jar().map(jar -> jar.toAbsolutePath().getParent().getParent()).orElse(Path.of("."));
    }

    /** The {@code lib/} folder beside the jar these classes run from; empty when they do not run from a jar. */
    public static Optional<Path> libDir() {
        return jar().map(jar -> jar.resolveSibling("lib")).filter(Files::isDirectory);
    }

    /**
     * The jar named on the class path ({@code java -jar}, the launcher), not the classes' code source: under the AOT
     * cache that is where the cache was made, which a copied or moved installation is not.
     */
    private static Optional<Path> jar() {
        try {
            Path jar = Path.of(System.getProperty("java.class.path", "")).toAbsolutePath();
            return jar.toString().endsWith(".jar") && Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** A native library in {@link #libDir()}, when it is there. */
    public static Optional<Path> library(String fileName) {
        return libDir().map(dir -> dir.resolve(fileName)).filter(Files::isRegularFile);
    }

    /** Points ONNX Runtime at {@code lib/onnxruntime} (this platform's libraries), unless something else did. */
    public static void nameOnnxRuntimeLibraries() {
        if (System.getProperty(ONNX_RUNTIME_PATH) == null) {
            libDir().map(dir -> dir.resolve("onnxruntime")).filter(Files::isDirectory)
                    .ifPresent(dir -> System.setProperty(ONNX_RUNTIME_PATH, dir.toString()));
        }
    }
}
