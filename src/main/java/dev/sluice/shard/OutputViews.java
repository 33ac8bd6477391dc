package dev.sluice.shard;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
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
        if (hasJson(dir.resolve(RunRecord.DIR))) {
            statements.add(Sql.of("runs", "CREATE VIEW runs AS SELECT * FROM read_json_auto(${glob}, union_by_name = true)")
                    .bind("glob", Sql.literal(dir.resolve(RunRecord.DIR).resolve("*.json").toString())).render());
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
