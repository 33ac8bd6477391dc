package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the documents of a text job come from: local files (JSONL, gzip'd JSONL, Parquet, plain text),
 * standard input ({@code -}), or remote URLs that DuckDB streams from the network. Local globs are
 * expanded by {@link InputFiles}; the format comes from the extension unless {@code --input-format} names it.
 */
public final class TextInputs {

    /** How a file holds documents. */
    public enum Format {
        /** One JSON object per line; the text is one of its fields. */
        JSONL,
        /** Parquet; the text is one of its columns. */
        PARQUET,
        /** A whole file is one document. */
        TEXT,
        /** Every non-empty line is one document. */
        LINES;

        public static Format parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw SluiceException.usage("--input-format must be auto, jsonl, parquet, text or lines, got '" + name + "'");
            }
        }
    }

    /** Where the input lives. */
    public enum Kind {
        FILES, STDIN, REMOTE
    }

    /** Inputs in read order, with their format and (for local files) their total size. */
    public record Resolved(Kind kind, Format format, List<String> paths, long totalBytes) {
        /** Inputs that could stream without end: a cap on documents is required for them. */
        public boolean unbounded() {
            return kind != Kind.FILES;
        }

        public String describe() {
            return switch (kind) {
                case STDIN -> "standard input";
                case REMOTE, FILES -> paths.size() == 1 ? paths.get(0)
                        : paths.size() + " files (" + paths.get(0) + ", ...)";
            };
        }
    }

    private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");

    private TextInputs() {}

    /** Resolves {@code patterns}; {@code format} null means: from the file extension (JSONL for stdin). */
    public static Resolved resolve(List<String> patterns, Format format) {
        if (patterns.isEmpty()) {
            throw SluiceException.usage("--input is required: JSONL, Parquet or text files or globs, or - for stdin");
        }
        if (patterns.contains("-")) {
            if (patterns.size() > 1) {
                throw SluiceException.usage("--input - (stdin) cannot be combined with other inputs");
            }
            return new Resolved(Kind.STDIN, format == null ? Format.JSONL : format, List.of("-"), -1);
        }
        if (patterns.stream().anyMatch(p -> URL.matcher(p).matches())) {
            if (!patterns.stream().allMatch(p -> URL.matcher(p).matches())) {
                throw SluiceException.usage("--input mixes URLs and local files; give one kind");
            }
            Format f = format == null ? formatOf(patterns.get(0)) : format;
            if (f != Format.JSONL && f != Format.PARQUET) {
                throw SluiceException.usage("remote inputs must be JSONL or Parquet (read by DuckDB), got " + f);
            }
            return new Resolved(Kind.REMOTE, f, List.copyOf(patterns), -1);
        }
        List<Path> files = InputFiles.expandAll(patterns, "--input", "documents are read from regular JSONL, "
                + "Parquet or text files; to read from a pipe or a device, give --input - and redirect it to standard "
                + "input (with --max-samples)");
        Format found = null;
        long bytes = 0;
        List<String> paths = new ArrayList<>();
        for (Path p : files) {
            Format f = format == null ? formatOf(p.toString()) : format;
            if (found != null && f != found) {
                throw SluiceException.input("inputs mix " + found + " and " + f + " files (" + p
                        + "); give files of one format, or name it with --input-format");
            }
            found = f;
            try {
                bytes += Files.size(p);
            } catch (IOException e) {
                throw SluiceException.input("cannot read input file " + p + ": " + e.getMessage(), e);
            }
            paths.add(p.toString());
        }
        return new Resolved(Kind.FILES, found, List.copyOf(paths), bytes);
    }

    static Format formatOf(String path) {
        String n = path.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
            return Format.JSONL;
        }
        if (n.endsWith(".parquet") || n.endsWith(".pq")) {
            return Format.PARQUET;
        }
        if (n.endsWith(".txt") || n.endsWith(".md") || n.endsWith(".text")) {
            return Format.TEXT;
        }
        throw SluiceException.input("cannot tell the format of input " + path
                + " (expected .jsonl, .jsonl.gz, .parquet or .txt); name it with --input-format jsonl|parquet|text|lines");
    }
}
