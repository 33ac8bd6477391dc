package dev.sluice.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a logits cache against scripts/teacher/reference_topk.py, which recomputes every piece's top k in numpy
 * from the teacher file's weights (each piece from position 0, on its own): ranked log-probabilities equal to
 * float16 rounding, ids equal except where the reference gives two ids all but equal logits (near-ties, which
 * float32 against float64 may order either way). Used by LogitsJobTest and scripts/bench/logits.sh:
 * {@code java -cp ... dev.sluice.testing.LogitsReference PACK_DIR CACHE_DIR TEACHER.onnx K WORK_DIR}.
 */
public final class LogitsReference {
    /** What the check compared: tokens, pieces, entries, and tokens whose near-ties came in another order. */
    public record Result(long sequences, long tokens, long pieces, long entries, long swapped, double maxLogprobDiff) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d sequences, %,d pieces, %,d tokens, %,d entries equal to the "
                    + "reference (%,d tokens with near-ties in another order; largest log-probability difference "
                    + "%.2g)", sequences, pieces, tokens, entries, swapped, maxLogprobDiff);
        }
    }

    private LogitsReference() {}

    public static void main(String[] args) throws Exception {
        Result r = check(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]),
                Path.of(args[4]));
        System.out.println(r);
    }

    /** Half the float16 spacing at {@code x}: the most that rounding a log-probability to float16 moves it. */
    static double halfUlp16(float x) {
        return Math.scalb(1.0, Math.max(Math.getExponent(x), -14) - 11);
    }

    public static Result check(Path pack, Path cache, Path teacher, int k, Path work) throws Exception {
        // The pieces of the cached sequences, as the reference runs them: each from position 0, nothing before it.
        long cached = count(cache);
        List<Long> tokens = new ArrayList<>();
        List<Long> offsets = new ArrayList<>(List.of(0L));
        List<Integer> realTokens = new ArrayList<>();
        try (Connection c = connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT input_ids, cu_seqlens FROM read_parquet(" + shardList(pack)
                     + ") LIMIT " + cached)) {
            while (rs.next()) {
                int[] ids = ints(rs.getArray(1));
                int[] cu = ints(rs.getArray(2));
                realTokens.add(cu[cu.length - 1]);
                for (int p = 0; p + 1 < cu.length; p++) {
                    for (int t = cu[p]; t < cu[p + 1]; t++) {
                        tokens.add((long) ids[t]);
                    }
                    offsets.add((long) tokens.size());
                }
            }
        }
        Map<String, long[]> arrays = new LinkedHashMap<>();
        arrays.put("tokens", tokens.stream().mapToLong(Long::longValue).toArray());
        arrays.put("offsets", offsets.stream().mapToLong(Long::longValue).toArray());
        Path in = work.resolve("pieces.npz");
        Path ref = work.resolve("reference.npz");
        Npz.writeLongs(in, arrays);
        Process p = new ProcessBuilder("/usr/bin/python3",
                Cli.project().resolve("scripts/teacher/reference_topk.py").toString(), teacher.toString(),
                in.toString(), ref.toString(), "--top-k", String.valueOf(k)).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        require(p.waitFor() == 0, "reference_topk.py failed:\n" + said);
        Npz.Array refIds = Npz.read(ref, "ids");
        Npz.Array refLogprobs = Npz.read(ref, "logprobs");
        require(refIds.shape()[0] == tokens.size(), "the reference has " + refIds.shape()[0] + " tokens");

        // The cache, a row at a time, against the reference.
        long position = 0;
        long swapped = 0;
        long entries = 0;
        long rows = 0;
        double maxDiff = 0;
        try (Connection c = connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, ids, logprobs FROM read_parquet(" + shardList(cache) + ")")) {
            while (rs.next()) {
                long seq = rs.getLong(1);
                require(seq == rows, "cache rows are sequences 0.." + (cached - 1) + ", row " + rows + " is " + seq);
                int[] ids = ints(rs.getArray(2));
                float[] logprobs = floats(rs.getArray(3));
                int real = realTokens.get((int) rows);
                require(ids.length == real * k && logprobs.length == real * k, "sequence " + seq + ": " + ids.length
                        + " ids for " + real + " real tokens and k " + k);
                for (int t = 0; t < real; t++, position++) {
                    boolean differs = false;
                    for (int j = 0; j < k; j++) {
                        String where = "sequence " + seq + ", token " + t + ", rank " + j;
                        float want = refLogprobs.getFloat(position * k + j);
                        float got = logprobs[t * k + j];
                        // Ranked values agree to float16 rounding (plus ONNX Runtime's float32 against float64).
                        double diff = Math.abs(want - got);
                        maxDiff = Math.max(maxDiff, diff);
                        require(diff <= halfUlp16(want) + 1e-4, where + ": log-probability " + got + ", reference "
                                + want);
                        int wantId = refIds.getInt(position * k + j);
                        int gotId = ids[t * k + j];
                        if (wantId != gotId) {
                            differs = true;
                            float refOfGot = Float.NaN;
                            for (int jj = 0; jj < k; jj++) {
                                if (refIds.getInt(position * k + jj) == gotId) {
                                    refOfGot = refLogprobs.getFloat(position * k + jj);
                                }
                            }
                            // Outside the reference's top k: it ties with the reference's k-th.
                            float bound = Float.isNaN(refOfGot) ? refLogprobs.getFloat(position * k + k - 1)
                                    : refOfGot;
                            require(Math.abs(want - bound) <= 1e-4, where + ": id " + gotId + " where the reference "
                                    + "has " + wantId + " (" + want + " against " + bound + "): not a near-tie");
                        }
                        entries++;
                    }
                    if (differs) {
                        swapped++;
                    }
                }
                rows++;
            }
        }
        require(rows == cached && position == tokens.size(), "compared " + position + " of " + tokens.size()
                + " tokens");
        require(swapped < Math.max(1, position / 20), swapped + " of " + position + " tokens with near-ties in "
                + "another order: more than near-ties explain");
        return new Result(rows, position, offsets.size() - 1, entries, swapped, maxDiff);
    }

    private static Connection connection() throws Exception {
        java.util.Properties streaming = new java.util.Properties();
        streaming.setProperty("jdbc_stream_results", "true");
        return DriverManager.getConnection("jdbc:duckdb:", streaming);
    }

    private static long count(Path dir) throws Exception {
        try (Connection c = connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet(" + shardList(dir) + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** The output's shards in manifest order, as a DuckDB list literal. */
    @SuppressWarnings("unchecked")
    private static String shardList(Path dir) {
        Map<String, Object> m = dev.sluice.engine.Json.read(dir.resolve("_manifest.json"));
        List<String> files = new ArrayList<>();
        for (Object o : (List<Object>) m.get("shards")) {
            files.add("'" + dir.resolve((String) ((Map<String, Object>) o).get("path")) + "'");
        }
        return "[" + String.join(", ", files) + "]";
    }

    private static int[] ints(java.sql.Array a) throws Exception {
        Object[] o = (Object[]) a.getArray();
        int[] out = new int[o.length];
        for (int i = 0; i < o.length; i++) {
            out[i] = ((Number) o[i]).intValue();
        }
        return out;
    }

    private static float[] floats(java.sql.Array a) throws Exception {
        Object[] o = (Object[]) a.getArray();
        float[] out = new float[o.length];
        for (int i = 0; i < o.length; i++) {
            out[i] = ((Number) o[i]).floatValue();
        }
        return out;
    }
}
