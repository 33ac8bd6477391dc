package dev.sluice.shard;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Views over an output directory for ad-hoc SQL: one per split directory ({@code train}, {@code test}),
 * named after it, plus {@code runs} over the run records and {@code manifest_shards} over the manifest.
 */
public final class OutputViews {
    private OutputViews() {}

    /** Creates the views on the session and returns the split names found. */
    public static List<String> create(DuckSession duck, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw SluiceException.input("output directory " + dir + " does not exist");
        }
        List<String> splits = splits(dir);
        List<String> statements = new ArrayList<>();
        for (String split : splits) {
            statements.add(Sql.of("view", "CREATE VIEW ${name} AS SELECT * FROM read_parquet(${glob})")
                    .bind("name", Sql.ident(split))
                    .bind("glob", Sql.literal(dir.resolve(split).resolve("*.parquet").toString())).render());
        }
        if (hasRuns(dir)) {
            statements.add(runsView(duck, List.of(dir)));
        }
        if (Files.exists(dir.resolve(OutputDir.MANIFEST))) {
            statements.add(Sql.of("manifest",
                    "CREATE VIEW manifest_shards AS SELECT unnest(shards, recursive := true) FROM read_json_auto(${f})")
                    .bind("f", Sql.literal(dir.resolve(OutputDir.MANIFEST).toString())).render());
        }
        try {
            duck.execute(statements.toArray(String[]::new));
        } catch (SQLException e) {
            throw SluiceException.input("cannot open the files of " + dir + " as views: " + e.getMessage(), e);
        }
        return splits;
    }

    /**
     * The statement that creates the view {@code runs} over the run records of {@code outputs}, typed: {@code start}
     * and {@code end} as TIMESTAMP (UTC) and {@code rows_in_per_second} as DOUBLE, which the records hold as text
     * (ISO-8601 with nanoseconds, which DuckDB does not detect; older records wrote the rate as text too). A field
     * no record has is left out rather than made up, so the casts are chosen from the columns DuckDB finds.
     */
    public static String runsView(DuckSession duck, List<Path> outputs) {
        List<String> globs = outputs.stream().map(d -> d.resolve(RunRecord.DIR).resolve("*.json").toString()).toList();
        String read = Sql.of("runs", "read_json_auto(${globs}, union_by_name = true)")
                .bind("globs", Sql.literalList(globs)).render();
        List<String> casts = new ArrayList<>();
        try (Connection c = duck.connection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT column_name FROM (DESCRIBE SELECT * FROM " + read + ")")) {
            while (rs.next()) {
                String type = switch (rs.getString(1)) {
                    case "start", "end" -> "TIMESTAMP";
                    case "rows_in_per_second" -> "DOUBLE";
                    default -> null;
                };
                if (type != null) {
                    casts.add(Sql.cast(Sql.ident(rs.getString(1)), type).sql() + " AS " + Sql.ident(rs.getString(1)).sql());
                }
            }
        } catch (SQLException e) {
            throw SluiceException.input("cannot read the run records under " + String.join(", ", globs) + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return "CREATE VIEW runs AS SELECT *" + (casts.isEmpty() ? "" : " REPLACE (" + String.join(", ", casts) + ")")
                + " FROM " + read;
    }

    /** Whether {@code dir} holds run records. */
    public static boolean hasRuns(Path dir) {
        return hasJson(dir.resolve(RunRecord.DIR));
    }

    /** Directories directly under {@code dir} that hold Parquet shards, sorted. */
    public static List<String> splits(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("_"))
                    .filter(OutputViews::hasParquet).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw SluiceException.input("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasParquet(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet")
                    && !p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasJson(Path d) {
        if (!Files.isDirectory(d)) {
            return false;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".json"));
        } catch (IOException e) {
            return false;
        }
    }
}
