package dev.sluice.estimate;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.io.InputFiles;
import dev.sluice.io.TextInputs;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorFiles;
import dev.sluice.io.VectorReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/** The size of a job's input, read from its metadata, and samples of it small enough to run quickly. */
public final class InputSamples {
    private InputSamples() {}

    /** Measurements in a probe-rows input (Parquet: from the footers). */
    public static long rows(DuckSession duck, Sql.Fragment relation, String what) {
        return number(duck, "estimate/count", relation, "counting the rows of " + what);
    }

    /** Columns of a probe-rows input. */
    public static int columns(DuckSession duck, Sql.Fragment relation, String what) {
        return (int) number(duck, "estimate/columns", relation, "reading the columns of " + what);
    }

    /** The one number the SQL file {@code name} computes over {@code relation}. */
    private static long number(DuckSession duck, String name, Sql.Fragment relation, String doing) {
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load(name).bind("input", relation).render())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, doing);
        }
    }

    /**
     * Writes every measurement of the keys whose hash is 0 modulo {@code m} to {@code file}: a sample of whole
     * keys, so its rows per key, and so its output rows per measurement, are the input's.
     */
    public static void keySample(DuckSession duck, InputFiles.Resolved input, String key, int m, Path file) {
        try {
            duck.execute(Sql.load("estimate/key_sample").bind("input", InputFiles.relation(input))
                    .bind("key", Sql.ident(key)).bind("m", Sql.number(m)).bind("file", Sql.literal(file.toString()))
                    .render());
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, String.format(Locale.ROOT, "sampling the keys of %s (column %s)",
                    input.files().get(0), key));
        }
    }

    /** Writes the first {@code rows} vectors of {@code reader} to a float32 .npy file. */
    public static void headNpy(VectorReader reader, long rows, Path file) throws IOException {
        int dim = reader.dim();
        VectorBatch b = reader.newBatch(4096);
        reader.rewind();
        ByteBuffer buf = ByteBuffer.allocate(4096 * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        long left = rows;
        try (OutputStream out = VectorFiles.npyWriter(file, "<f4", rows, dim)) {
            while (left > 0 && reader.next(b)) {
                int n = (int) Math.min(left, b.rows);
                buf.clear();
                buf.asFloatBuffer().put(b.data, 0, n * dim);
                out.write(buf.array(), 0, n * dim * 4);
                left -= n;
            }
        }
    }

    /**
     * Documents in pack's input: lines of JSONL and line files, rows of Parquet, one per text file. Compressed,
     * remote and standard input have no size to read up front.
     */
    public static long documents(TextInputs.Resolved input, DuckSession duck) throws IOException {
        if (input.kind() != TextInputs.Kind.FILES) {
            throw SluiceException.usage("estimate needs local input files; " + input.describe() + " has no size to "
                    + "read up front");
        }
        long docs = 0;
        for (String p : input.paths()) {
            if (p.endsWith(".gz") || p.endsWith(".zst")) {
                throw SluiceException.usage("estimate reads document counts from uncompressed files; " + p
                        + " is compressed");
            }
            docs += switch (input.format()) {
                case TEXT -> 1;
                case PARQUET -> rows(duck, Sql.of("input", "read_parquet(${f})").bind("f", Sql.literal(p))
                        .renderFragment(), p);
                case JSONL, LINES -> lines(Path.of(p));
            };
        }
        return docs;
    }

    /**
     * Bytes of the first {@code docs} documents of a line format (JSONL, lines) read in order across the files,
     * or null for formats whose documents are not lines.
     */
    public static Long bytesOfFirstLines(TextInputs.Resolved input, long docs) throws IOException {
        if (input.format() != TextInputs.Format.JSONL && input.format() != TextInputs.Format.LINES) {
            return null;
        }
        long bytes = 0;
        long left = docs;
        byte[] buf = new byte[1 << 16];
        for (String p : input.paths()) {
            try (InputStream in = Files.newInputStream(Path.of(p))) {
                for (int r; left > 0 && (r = in.read(buf)) > 0; ) {
                    int i = 0;
                    while (i < r && left > 0) {
                        if (buf[i++] == '\n') {
                            left--;
                        }
                    }
                    bytes += i;
                }
            }
            if (left == 0) {
                break;
            }
        }
        return bytes;
    }

    /** Lines of a file, counting a last line without a newline; an upper bound on documents (blank lines too). */
    static long lines(Path file) throws IOException {
        long n = 0;
        int last = '\n';
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
                last = buf[r - 1];
            }
        }
        return last == '\n' ? n : n + 1;
    }
}
