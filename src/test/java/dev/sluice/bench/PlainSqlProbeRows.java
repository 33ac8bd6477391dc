package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;

/**
 * The reference probe-rows done in plain DuckDB SQL, for {@code scripts/bench/probe-rows.sh}: hash-partition
 * the input by key into B buckets, then per bucket one window ({@code row_number}) and a GROUP BY with
 * ordered {@code list()} aggregates, COPY to Parquet, with DuckDB's default settings otherwise (what a user
 * writes first). Prints "seconds=S" on success.
 *
 * <p>Arguments: input parquet, key, time, comma-separated fields, max-len, buckets, memory limit (DuckDB
 * {@code memory_limit}), threads, work directory.
 */
public final class PlainSqlProbeRows {
    private PlainSqlProbeRows() {}

    public static void main(String[] a) throws Exception {
        String input = a[0];
        String key = q(a[1]);
        String time = q(a[2]);
        String[] fields = a[3].split(",");
        int maxLen = Integer.parseInt(a[4]);
        int buckets = Integer.parseInt(a[5]);
        String memory = a[6];
        int threads = Integer.parseInt(a[7]);
        Path work = Path.of(a[8]);
        Files.createDirectories(work.resolve("out"));
        StringBuilder order = new StringBuilder(time);
        StringBuilder lists = new StringBuilder("list(" + time + " ORDER BY %ORDER%) AS " + time);
        for (String f : fields) {
            order.append(", ").append(q(f));
        }
        for (String f : fields) {
            lists.append(", list(").append(q(f)).append(" ORDER BY %ORDER%) AS ").append(q(f));
        }
        String listSql = lists.toString().replace("%ORDER%", order);
        long t0 = System.nanoTime();
        Properties p = new Properties();
        p.setProperty("jdbc_stream_results", "true");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:", p); Statement s = c.createStatement()) {
            s.execute("SET memory_limit = '" + memory + "'");
            s.execute("SET threads = " + threads);
            s.execute("SET temp_directory = '" + work.resolve("spill") + "'");
            s.execute(String.format(Locale.ROOT,
                    "COPY (SELECT *, hash(%s) %% %d AS b FROM read_parquet('%s')) TO '%s' (FORMAT parquet, PARTITION_BY (b))",
                    key, buckets, input, work.resolve("parts")));
            for (int b = 0; b < buckets; b++) {
                s.execute(String.format(Locale.ROOT,
                        "COPY (SELECT %s, (rn - 1) // %d AS chunk, count(*) AS n, min(%s) AS first_t, max(%s) AS last_t, %s "
                                + "FROM (SELECT *, row_number() OVER (PARTITION BY %s ORDER BY %s) AS rn "
                                + "FROM read_parquet('%s/b=%d/*.parquet')) GROUP BY ALL) TO '%s/part-%05d.parquet' (FORMAT parquet)",
                        key, maxLen, time, time, listSql, key, order, work.resolve("parts"), b, work.resolve("out"), b));
            }
        }
        System.out.printf(Locale.ROOT, "seconds=%.2f%n", (System.nanoTime() - t0) / 1e9);
    }

    private static String q(String ident) {
        return '"' + ident.replace("\"", "\"\"") + '"';
    }
}
