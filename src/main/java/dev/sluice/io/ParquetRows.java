package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The rows of several Parquet files, from their footers, so that a reader that starts in the middle of its input
 * (a compress or pack shard task) can find the file and the row in it where a row counted over all the files lies,
 * and start a query there with a {@code file_row_number} filter: DuckDB then skips the row groups before it.
 */
final class ParquetRows {
    private final long[] rows;

    private ParquetRows(long[] rows) {
        this.rows = rows;
    }

    static ParquetRows of(DuckSession duck, List<String> files) throws SQLException {
        Map<String, Long> byName = new HashMap<>();
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata("
                     + Sql.literalList(files).sql() + ")")) {
            while (rs.next()) {
                byName.put(rs.getString(1), rs.getLong(2));
            }
        }
        long[] rows = new long[files.size()];
        for (int i = 0; i < rows.length; i++) {
            Long n = byName.get(files.get(i));
            if (n == null) {
                throw SluiceException.internal("no row count for " + files.get(i) + " in its footer", null);
            }
            rows[i] = n;
        }
        return new ParquetRows(rows);
    }

    /**
     * The queries that read {@code files} from row {@code row} on, in order: the rest of the file that holds it
     * (from its row there), then the files after it; none when the row is past the end. {@code query} makes the
     * query of some files from a row of the first.
     */
    <T> List<String> queriesFrom(long row, List<T> files, BiFunction<List<T>, Long, String> query) {
        int f = 0;
        while (f < rows.length && row >= rows[f]) {
            row -= rows[f++];
        }
        List<String> queries = new ArrayList<>();
        if (f < files.size()) {
            queries.add(query.apply(files.subList(f, f + 1), row));
        }
        if (f + 1 < files.size()) {
            queries.add(query.apply(files.subList(f + 1, files.size()), 0L));
        }
        return queries;
    }
}
