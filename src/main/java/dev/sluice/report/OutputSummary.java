package dev.sluice.report;

import dev.sluice.engine.Json;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.OutputViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the report draws of one output: its run records, its shards' sizes (from the manifest), and the job's own
 * distributions, computed by DuckDB over the shards: probe-rows' splits and row lengths, pack's sequence fill and
 * documents per sequence.
 */
record OutputSummary(Path dir, String job, List<ShardSize> shards, List<RunSummary> runs, List<SplitCount> splits,
                     List<Histogram> histograms) {

    record ShardSize(String path, long rows, long bytes) {}

    /** probe-rows' output in one split. */
    record SplitCount(String split, long rows, long measurements, long keys) {}

    /** A histogram in whole-number bins shared by every series (a split): counts per bin and series. */
    record Histogram(String id, String title, String xLabel, List<Bin> bins) {}

    record Bin(String series, double lo, double width, long count) {}

    private static final int LENGTH_BINS = 30;

    /** Reads {@code dir}'s records and manifest, and the job's distributions through {@code c} (its views). */
    static OutputSummary read(Path dir, Connection c) {
        Map<String, Object> manifest = Files.exists(dir.resolve(OutputDir.MANIFEST))
                ? Json.read(dir.resolve(OutputDir.MANIFEST)) : Map.of();
        List<RunSummary> runs = runs(dir);
        String job = manifest.get("job") instanceof String s ? s
                : runs.stream().map(RunSummary::job).filter(j -> !j.equals("eval") && !j.equals("search")).findFirst()
                        .orElse(runs.isEmpty() ? "?" : runs.getFirst().job());
        Map<String, Object> params = manifest.get("parameters") instanceof Map<?, ?> p ? cast(p) : Map.of();
        List<String> splits = OutputViews.splits(dir);
        List<SplitCount> counts = new ArrayList<>();
        List<Histogram> histograms = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            if (job.equals("probe-rows") && !splits.isEmpty() && params.get("key") instanceof String key) {
                Sql.Fragment source = union(splits);
                try (ResultSet rs = s.executeQuery(Sql.load("report/probe_splits").bind("source", source)
                        .bind("key", Sql.ident(key)).render())) {
                    while (rs.next()) {
                        counts.add(new SplitCount(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                    }
                }
                histograms.add(histogram(s, "row-lengths", "Row lengths (measurements per row)", "measurements",
                        Sql.load("report/row_lengths").bind("source", source).renderFragment()));
            }
            if (job.equals("pack") && splits.contains("train") && params.get("seq_len") instanceof Number seqLen) {
                Sql.Fragment source = union(List.of("train"));
                List<Bin> fill = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(Sql.load("report/pack_fill").bind("source", source)
                        .bind("seq_len", Sql.number(seqLen.longValue())).render())) {
                    while (rs.next()) {
                        fill.add(new Bin("sequences", rs.getDouble(1), rs.getDouble(2), rs.getLong(3)));
                    }
                }
                // Every bin from 0%: where the sequences are not is part of the picture.
                for (int lo = 0; lo <= 100; lo += 5) {
                    double at = lo;
                    if (fill.stream().noneMatch(bin -> bin.lo() == at)) {
                        fill.add(new Bin("sequences", lo, lo == 100 ? 1 : 5, 0));
                    }
                }
                fill.sort(java.util.Comparator.comparingDouble(Bin::lo));
                histograms.add(new Histogram("sequence-fill", "Sequence fill (tokens before padding / seq-len)",
                        "% of seq-len", fill));
                histograms.add(histogram(s, "pieces-per-sequence", "Document pieces per sequence", "pieces",
                        Sql.load("report/pieces").bind("source", source).renderFragment()));
            }
        } catch (SQLException e) {
            throw SluiceException.input("cannot read the shards of " + dir + " for the report: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return new OutputSummary(dir, job, shards(manifest), runs, List.copyOf(counts), List.copyOf(histograms));
    }

    /** Every run record of {@code dir}, oldest first. */
    static List<RunSummary> runs(Path dir) {
        Path runs = dir.resolve(RunRecord.DIR);
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")
                            && !f.getFileName().toString().startsWith("."))
                    .map(f -> RunSummary.of(dir, Json.read(f)))
                    .sorted(Comparator.comparing(r -> r.start() == null ? "" : r.start())).toList();
        } catch (IOException e) {
            throw SluiceException.input("cannot list " + runs + ": " + e.getMessage(), e);
        }
    }

    private static List<ShardSize> shards(Map<String, Object> manifest) {
        List<ShardSize> out = new ArrayList<>();
        if (manifest.get("shards") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m) {
                    out.add(new ShardSize(String.valueOf(m.get("path")), m.get("rows") instanceof Number r
                            ? r.longValue() : 0, m.get("bytes") instanceof Number b ? b.longValue() : 0));
                }
            }
        }
        out.sort(Comparator.comparing(ShardSize::path));
        return List.copyOf(out);
    }

    /** The split views as one relation with a {@code split} column. */
    private static Sql.Fragment union(List<String> splits) {
        Sql.Fragment all = null;
        for (String split : splits) {
            Sql.Fragment one = Sql.load("report/split").bind("name", Sql.literal(split)).bind("view", Sql.ident(split))
                    .renderFragment();
            all = all == null ? one : Sql.load("report/union").bind("a", all).bind("b", one).renderFragment();
        }
        return Sql.of("parenthesized", "(${all})").bind("all", all).renderFragment();
    }

    /** A histogram in whole-number bins of {@code values} (columns series, x). */
    private static Histogram histogram(Statement s, String id, String title, String xLabel, Sql.Fragment values)
            throws SQLException {
        List<Bin> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(Sql.load("report/histogram").bind("values", values)
                .bind("bins", Sql.number(LENGTH_BINS)).bind("whole", Sql.bool(true)).render())) {
            while (rs.next()) {
                out.add(new Bin(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4)));
            }
        }
        return new Histogram(id, title, xLabel, List.copyOf(out));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
