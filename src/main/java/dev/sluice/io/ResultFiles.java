package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.engine.TempDirs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Top-k results to a file chosen by its extension: {@code .parquet} (query, rank, id, distance), {@code .ivecs}
 * (ids as int32 rows, the ANN-benchmarks format) or {@code .npy} (ids as an int64 matrix). Written under a
 * temporary name and renamed when complete.
 */
public final class ResultFiles {
    private ResultFiles() {}

    public static void write(Path file, long[][] ids, float[][] distances, DuckSession duck) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            if (name.endsWith(".ivecs")) {
                int[][] rows = new int[ids.length][];
                for (int q = 0; q < ids.length; q++) {
                    rows[q] = new int[ids[q].length];
                    for (int i = 0; i < ids[q].length; i++) {
                        rows[q][i] = Math.toIntExact(ids[q][i]);
                    }
                }
                VectorFiles.writeIvecs(tmp, rows);
            } else if (name.endsWith(".npy")) {
                int k = ids.length == 0 ? 0 : ids[0].length;
                for (long[] row : ids) {
                    if (row.length != k) {
                        throw SluiceException.input("the base has fewer vectors than k; .npy needs full rows: "
                                + "lower --k or write .parquet");
                    }
                }
                try (OutputStream out = VectorFiles.npyWriter(tmp, "<i8", ids.length, k)) {
                    ByteBuffer buf = ByteBuffer.allocate(8 * k).order(ByteOrder.LITTLE_ENDIAN);
                    for (long[] row : ids) {
                        buf.clear();
                        buf.asLongBuffer().put(row);
                        out.write(buf.array());
                    }
                }
            } else if (name.endsWith(".parquet")) {
                writeParquet(tmp, ids, distances, duck);
            } else {
                throw SluiceException.usage("--out must end in .parquet, .ivecs or .npy, got " + file);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        } catch (ArithmeticException e) {
            throw SluiceException.input("an id does not fit in int32, which .ivecs holds; write .npy or .parquet");
        } finally {
            TempDirs.deleteTree(tmp);
        }
    }

    private static void writeParquet(Path tmp, long[][] ids, float[][] distances, DuckSession duck) {
        String table = "sluice_results_" + Long.toHexString(System.nanoTime());
        try (Connection c = duck.connection()) {
            DuckDBConnection d = DuckSession.unwrap(c);
            try (var s = c.createStatement()) {
                s.execute(Sql.load("search/results_table").bind("table", Sql.ident(table)).render());
            }
            try (DuckDBAppender a = d.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)) {
                for (int q = 0; q < ids.length; q++) {
                    for (int r = 0; r < ids[q].length; r++) {
                        a.beginRow();
                        a.append(q);
                        a.append(r);
                        a.append(ids[q][r]);
                        a.append(distances[q][r]);
                        a.endRow();
                    }
                }
            }
            try (var s = c.createStatement()) {
                s.execute(Sql.load("search/write_results").bind("table", Sql.ident(table))
                        .bind("path", Sql.literal(tmp.toString())).render());
                s.execute("DROP TABLE " + Sql.ident(table).sql());
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "writing search results to " + tmp);
        }
    }
}
