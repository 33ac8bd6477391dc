package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Input files named by paths and globs, expanded here (sorted, so the plan does not depend on directory
 * order) so that a missing file is reported by name before any query runs.
 */
public final class InputFiles {

    /** The file formats the relational readers take. */
    public enum Format {
        PARQUET, CSV
    }

    public record Resolved(List<Path> files, Format format, long totalBytes) {}

    private InputFiles() {}

    public static Resolved resolve(List<String> patterns, String option) {
        if (patterns.isEmpty()) {
            throw SluiceException.usage(option + " is required: give one or more files or globs");
        }
        List<Path> files = expandAll(patterns, option);
        Format format = null;
        long bytes = 0;
        for (Path f : files) {
            Format ff = formatOf(f);
            if (format != null && ff != format) {
                throw SluiceException.input("inputs mix " + format + " and " + ff + " files (" + f
                        + "); give files of one format");
            }
            format = ff;
            try {
                bytes += Files.size(f);
            } catch (IOException e) {
                throw SluiceException.input("cannot read input file " + f + ": " + e.getMessage(), e);
            }
        }
        return new Resolved(files, format, bytes);
    }

    /** The input as a DuckDB table function over the resolved files. */
    public static Sql.Fragment relation(Resolved input) {
        List<String> paths = input.files().stream().map(Path::toString).toList();
        String fn = input.format() == Format.PARQUET ? "read_parquet" : "read_csv";
        return Sql.of("relation", fn + "(${files})").bind("files", Sql.literalList(paths)).renderFragment();
    }

    /**
     * Expands paths and globs to existing regular files, sorted and without repeats, whatever their
     * format; a pattern that matches nothing is an input error naming it.
     */
    public static List<Path> expandAll(List<String> patterns, String option) {
        return expandAll(patterns, option, "give a file, or a glob of files, that holds the input");
    }

    /**
     * As {@link #expandAll(List, String)}; {@code notAFile} says what to give instead when a path names a device,
     * a pipe or a socket.
     */
    public static List<Path> expandAll(List<String> patterns, String option, String notAFile) {
        TreeSet<Path> files = new TreeSet<>();
        for (String pattern : patterns) {
            List<Path> found = expand(pattern, option, notAFile);
            if (found.isEmpty()) {
                throw SluiceException.input(hasGlob(pattern)
                        ? "no files match " + option + " " + pattern + "; check the path and the quoting of the glob"
                        : "input file not found: " + pattern);
            }
            files.addAll(found);
        }
        return List.copyOf(files);
    }

    static Format formatOf(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".parquet") || n.endsWith(".pq")) {
            return Format.PARQUET;
        }
        if (n.endsWith(".csv") || n.endsWith(".tsv") || n.endsWith(".csv.gz") || n.endsWith(".tsv.gz")) {
            return Format.CSV;
        }
        throw SluiceException.input("input " + f + " is neither Parquet (.parquet) nor CSV (.csv, .tsv, .csv.gz)");
    }

    /** What a path that is neither a regular file nor a directory is, from its Unix file type. */
    static String kindOf(Path p) {
        try {
            int type = (Integer) Files.getAttribute(p, "unix:mode") & 0170000;
            return switch (type) {
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0010000 -> "a named pipe (FIFO)";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }

    /** Whether a path holds glob characters ({@code * ? [ {}). */
    public static boolean hasGlob(String p) {
        return p.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static List<Path> expand(String pattern, String option, String notAFile) {
        if (!hasGlob(pattern)) {
            Path p = Path.of(pattern);
            if (Files.isDirectory(p)) {
                throw SluiceException.input("input " + p + " is a directory; give files or a glob such as " + p + "/*.parquet");
            }
            if (Files.exists(p) && !Files.isRegularFile(p)) {
                throw SluiceException.input(option + " " + p + " is " + kindOf(p) + ", not a regular file; "
                        + notAFile);
            }
            return Files.isRegularFile(p) ? List.of(p) : List.of();
        }
        return matching(pattern, Files::isRegularFile);
    }

    /** The directories a glob matches, sorted: the outputs of {@code sluice runs 'out/*'}. */
    public static List<Path> directories(String glob) {
        return matching(glob, Files::isDirectory).stream().sorted().toList();
    }

    private static List<Path> matching(String pattern, java.util.function.Predicate<Path> kind) {
        // Walk from the deepest directory that has no glob characters, no deeper than the pattern goes.
        Path abs = Path.of(pattern).toAbsolutePath().normalize();
        Path base = abs.getRoot();
        for (Path part : abs) {
            if (hasGlob(part.toString())) {
                break;
            }
            base = base.resolve(part);
        }
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + abs);
        List<Path> out = new ArrayList<>();
        int depth = pattern.contains("**") ? Integer.MAX_VALUE : abs.getNameCount() - base.getNameCount();
        try (Stream<Path> s = Files.walk(base, depth)) {
            s.filter(kind).filter(m::matches).forEach(out::add);
        } catch (IOException e) {
            throw SluiceException.input("cannot list " + base + ": " + e.getMessage(), e);
        }
        return out;
    }
}
