package dev.sluice.probe;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Durable;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.MemoryPolicy;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.engine.TempDirs;
import dev.sluice.io.ArrowStreams;
import dev.sluice.io.InputFiles;
import dev.sluice.shard.InputFingerprint;
import dev.sluice.shard.JobRun;
import dev.sluice.shard.JobRuntime;
import dev.sluice.shard.JobSpec;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Plan;
import dev.sluice.shard.PlanLock;
import dev.sluice.shard.Shard;
import dev.sluice.shard.UnitRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * probe-rows: raw measurements (key, time, values) to training rows, each key's measurements ordered by
 * time and cut into rows of at most {@code max-len}, split into train and test by a seeded hash of the key.
 *
 * <p>The work: count measurements per key (one GROUP BY), plan hash buckets of keys from the row count
 * and the memory budget, then one DuckDB sort of the input joined with the keys, by (key rank, time,
 * fields), where keys are ranked by bucket, split and key. A sort spills; the ordered {@code list()}
 * aggregate of the one-shot query cannot, and over 30M measurements needed 8 GB. The sorted stream reaches
 * Java as Arrow batches, where {@link ChunkCutter} cuts each bucket's part into rows that DuckDB writes to
 * the bucket's shards ({@link ShardWrites}). Buckets are the work units: a rerun sorts only those not yet
 * committed.
 */
public final class ProbeRowsJob implements JobRuntime.Job<ProbeRowsJob.Result> {
    static final String SQL = "probe_rows/";
    static final List<String> SPLITS = List.of("train", "test");
    static final int MAX_BUCKETS = 4096;
    /** Rows per batch of the sorted stream into Java, at most; fewer for wide rows (see {@link #sortedBatchRows}). */
    static final long SORTED_BATCH_ROWS = 1 << 14;
    /** Bytes per batch of the sorted stream into Java (16,384 rows of the flights' key rank, time and 2 fields). */
    static final long SORTED_BATCH_BYTES = 1L << 19;
    /** Arrow's bytes per byte of output batches in the writer's queue (see {@link #arrowBase}). */
    static final double QUEUE_COST = 2.5;
    /** An output batch's size: 128 rows of 512 measurements of a time and two 8-byte fields. */
    static final long BATCH_BYTES = 3L << 19;
    static final double ARROW_SHARE = 1.0 / 16;
    /** The key table of the plan (key, rank, measurements, bucket, split), beside {@code _plan.json}. */
    static final String KEYS = "_keys.parquet";
    /**
     * From this many shard tasks on, the tasks read a copy of the measurements with their key ranks joined
     * ({@link #sharedCopy}) instead of each scanning and joining the whole input. Measured on 30M flights:
     * the copy costs about three tasks' scans and saves each task about 40% of its sort query.
     */
    static final int COPY_MIN_TASKS = 4;
    /** The shared copy of the measurements, under the output's scratch directory. */
    static final String COPY = "measurements.parquet";

    private final ProbeRowsConfig config;
    private final JobContext ctx;

    public ProbeRowsJob(ProbeRowsConfig config, JobContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** What a finished run produced. */
    public record Result(long keys, long measurements, long rowsOut, long dropped, int buckets, int unitsRun) {}

    /** What probe-rows' run record says besides the outcome: keys, dropped rows, Arrow's limit and peak. */
    public record Figures(long keys, long droppedRows, long arrowLimitBytes, long arrowPeakBytes) {}

    /** The registry entry: probe-rows' memory policy, JIT options and units. */
    public static final JobSpec SPEC = new JobSpec("probe-rows",
            // Its rows never live on the heap: DuckDB sorts them and Arrow carries the batches, so the heap gets a
            // tenth and DuckDB's sort the most (a sort with more memory spills less).
            new MemoryPolicy(100, 48L << 20, 0, ARROW_SHARE),
            // Its Java code is mostly per-batch glue (Arrow's C data import and export, loaders) that C2 compiled at
            // great cost for little gain: with ten times its thresholds, C2 compiles the per-row loops of the cutter
            // and little else (30M flights: 406 methods in 1.37 CPU s -> 166 in 0.50 s; a shard task 0.1-0.2 s sooner).
            List.of("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=20000",
                    "-XX:Tier4CompileThreshold=60000"),
            JobSpec.Ownership.TURNS, "bucket(s)", JobSpec.SUM_OF_UNITS);

    public Result run() {
        return JobRuntime.run(this, ctx);
    }

    @Override
    public JobSpec spec() {
        return SPEC;
    }

    @Override
    public Path out() {
        return config.out();
    }

    @Override
    public Result execute(JobRun run) {
        InputFiles.Resolved input = InputFiles.resolve(config.inputs(), "--input");
        MemoryBudget budget = run.budget();
        OutputDir out = run.out();
        ShardSpec shard = run.shard();
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), ctx.workers(),
                run.tmp().resolve("duckdb"), ctx.workers() * 3 + 1))) {
            run.stage("plan");
            Sql.Fragment relation = InputFiles.relation(input);
            Columns cols = checkColumns(duck, relation, input);
            Shares shares = shares(budget, cols);
            long sortBytes = shares.sortBytes();
            if (shares.arrowBytes() > budget.arrowBytes()) {
                run.log("rows of %d bytes a measurement: Arrow %s, taken from DuckDB's share",
                        cols.valueBytes(), Sizes.format(shares.arrowBytes()));
            }
            if (sortBytes < budget.duckdbBytes()) {
                try {
                    duck.execute("SET memory_limit = '" + (sortBytes >> 20) + "MB'");
                } catch (SQLException e) {
                    throw SqlErrors.wrap(e, "lowering DuckDB's memory_limit");
                }
                run.log("rows of %d fields: DuckDB memory_limit %s (a sort of wide rows overshoots its limit more)",
                        cols.fields().size(), Sizes.format(sortBytes));
            }
            Plan plan = Plan.of(SPEC.name(), config.parameters(cols.fields()), InputFingerprint.of(input.files()));
            Path keysFile = out.path().resolve(KEYS);
            // Shard tasks plan one at a time: the first counts the keys, the others wait and read its plan.
            try (PlanLock planning = shard.whole() ? null : out.planLock(run.logger())) {
                if (Files.exists(out.path().resolve(OutputDir.PLAN)) && Files.exists(keysFile)) {
                    // Another shard task, or an earlier run, planned this output: take its plan and key table
                    // rather than count the keys again.
                    plan = run.fixPlan(plan);
                    loadKeys(duck, keysFile);
                } else {
                    Totals counted = countKeys(duck, relation, cols, input);
                    plan = run.fixPlan(plan.withUnits(planBuckets(counted.measurements(), cols, sortBytes))
                            .withInputTotals(counted.toMap()));
                    assignKeys(duck, relation, cols, plan.units());
                    saveKeys(duck, keysFile);
                }
            }
            int buckets = plan.units();
            if (config.buckets() > 0 && config.buckets() != buckets) {
                throw SluiceException.usage(String.format(Locale.ROOT, "%s was planned with %d bucket(s) and "
                        + "--buckets %d asks for another number; rerun with --buckets %d (or without it) to resume, "
                        + "or choose another --out", out.path(), buckets, config.buckets(), buckets));
            }
            Totals totals = Totals.of(plan.inputTotals());
            run.log("%,d measurements of %,d keys in %d file(s) (%s); %d bucket(s), %d worker(s)%s",
                    totals.measurements(), totals.keys(), input.files().size(), Sizes.format(input.totalBytes()),
                    buckets, ctx.workers(), totals.dropped() > 0 ? String.format(Locale.ROOT,
                            "; %,d rows without key or time dropped", totals.dropped()) : "");

            JobRun.Units units = run.units(buckets);
            long arrowPeak = 0;
            if (!units.todo().isEmpty()) {
                Path copy = null;
                if (shard.count() >= COPY_MIN_TASKS) {
                    run.stage("copy");
                    try (PlanLock planning = out.planLock(run.logger())) {
                        copy = sharedCopy(duck, relation, cols, out);
                    }
                }
                run.stage("rows");
                // Dictionaries of text fields with few values, in an eighth of the heap (see TextCodes).
                TextCodes codes = TextCodes.build(duck, relation, cols, budget.jvmHeapBytes() / 8);
                codes.describe(cols.fields()).forEach(line -> run.log("%s", line));
                arrowPeak = writeUnits(duck, relation, cols, units.todo(), out, shares, copy, codes, run.memory());
            }
            long rowsOut = 0;
            long measurementsDone = 0;
            for (int u : units.mine()) {
                UnitRecord unit = out.unitRecord(u);
                rowsOut += unit.count("rows_out");
                measurementsDone += unit.count("measurements");
            }
            run.writeManifestIfWhole(plan);
            run.record().outcome(new RunRecord.Outcome(rowsOut, buckets, units.todo().size(), shard.toString()))
                    .figures(new Figures(totals.keys(), totals.dropped(), shares.arrowBytes(), arrowPeak));
            run.finish(measurementsDone);
            run.log("wrote %,d rows to %s%s", rowsOut, out.path(), run.mergeHint());
            return new Result(totals.keys(), totals.measurements(), rowsOut, totals.dropped(), buckets,
                    units.todo().size());
        }
    }

    /** The input's columns, checked against the options; the time column's type decides a cast. */
    /**
     * The input's columns, checked against the options; {@code valueBytes} is what one measurement of the time and
     * field columns takes in Arrow, by their types (see {@link #arrowBytes}).
     */
    record Columns(String key, String time, boolean castTime, List<String> fields, Set<String> textFields,
                   int valueBytes) {}

    /**
     * Why a CSV's columns may not be what its header seems to say, from the names DuckDB's sniffer gave them: one
     * column whose name holds a delimiter (no delimiter split the header and the rows alike), a name holding a
     * quote (an unterminated quote in the header), or column0, column1, ... (the first line was not taken for a
     * header). "" for Parquet and for names that look right.
     */
    static String csvHeaderHint(InputFiles.Resolved input, Set<String> columns) {
        if (input.format() != InputFiles.Format.CSV || columns.isEmpty()) {
            return "";
        }
        String first = columns.iterator().next();
        if (columns.size() == 1 && first.matches("(?s).*[;|\t,].*")) {
            return String.format(Locale.ROOT, "\nthe CSV header parsed as one column named '%s': no delimiter split "
                    + "the header and the rows alike; make every line use the same delimiter (',', ';', '|' or tab)",
                    first);
        }
        for (String c : columns) {
            if (c.contains("\"") || c.contains("'")) {
                return String.format(Locale.ROOT, "\nthe CSV header gave a column '%s', with a quote in its name: "
                        + "the header probably has an unterminated quote; close or remove it", c);
            }
        }
        if (columns.stream().allMatch(c -> c.matches("column\\d+"))) {
            return "\nDuckDB read the CSV as having no header line (its columns are named column0, column1, ...): "
                    + "the first line did not look like a header of the rows below it; check that it names every "
                    + "column and uses the same delimiter as the rows";
        }
        return "";
    }

    Columns checkColumns(DuckSession duck, Sql.Fragment relation, InputFiles.Resolved input) {
        Map<String, String> types = new LinkedHashMap<>();
        String what = "reading the schema of " + describe(input);
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load(SQL + "describe").bind("input", relation).render())) {
            while (rs.next()) {
                types.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, what);
        }
        for (String col : List.of(config.key(), config.time())) {
            if (!types.containsKey(col)) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "column '%s' not found in %s; its columns are: %s%s", col, describe(input), types.keySet(),
                        csvHeaderHint(input, types.keySet())));
            }
        }
        List<String> fields = new ArrayList<>(config.fields());
        if (fields.isEmpty()) {
            types.keySet().stream().filter(c -> !c.equals(config.key()) && !c.equals(config.time()))
                    .forEach(fields::add);
        }
        for (String f : fields) {
            if (!types.containsKey(f)) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "--fields column '%s' not found in %s; its columns are: %s%s", f, describe(input),
                        types.keySet(), csvHeaderHint(input, types.keySet())));
            }
            if (f.equals(config.key()) || f.equals(config.time())) {
                throw SluiceException.usage("--fields lists '" + f + "', which is the key or time column");
            }
        }
        String timeType = types.get(config.time());
        boolean cast = false;
        if (timeType.equals("VARCHAR")) {
            cast = true;
            checkTimeParses(duck, relation, input);
        } else if (!timeType.matches("TIMESTAMP.*|DATE|TIME|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER"
                + "|USMALLINT|UTINYINT|DOUBLE|FLOAT|DECIMAL.*")) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "time column '%s' in %s has type %s; expected a timestamp, date, number, or text that parses "
                            + "as a timestamp", config.time(), describe(input), timeType));
        }
        // Output names must not collide: key, split, chunk, n, first_/last_<time>, then the lists.
        Set<String> seen = new java.util.HashSet<>();
        List<String> outNames = new ArrayList<>(List.of(config.key(), "split", "chunk", "n",
                "first_" + config.time(), "last_" + config.time(), config.time()));
        outNames.addAll(fields);
        for (String n : outNames) {
            // DuckDB matches names without regard to case: N and n are the same column there.
            String lower = n.toLowerCase(Locale.ROOT);
            if (!seen.add(lower) || lower.startsWith("sluice_")) {
                throw SluiceException.usage(String.format(Locale.ROOT,
                        "column '%s' would appear twice in the output (output columns: %s); leave it out of --fields "
                                + "or rename it in the input", n, outNames));
            }
        }
        int valueBytes = cast ? 8 : arrowBytes(timeType);
        for (String f : fields) {
            valueBytes += arrowBytes(types.get(f));
        }
        Set<String> text = fields.stream().filter(f -> types.get(f).equals("VARCHAR"))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        return new Columns(config.key(), config.time(), cast, List.copyOf(fields), text, valueBytes);
    }

    private void checkTimeParses(DuckSession duck, Sql.Fragment relation, InputFiles.Resolved input) {
        String sql = Sql.load(SQL + "unparsable_time").bind("input", relation).bind("time", Sql.ident(config.time()))
                .render();
        try (Connection c = duck.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (rs.next()) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "time column '%s' in %s is text and the value '%s' does not parse as a timestamp; "
                                + "give a column of TIMESTAMP, DATE or numbers, or text like 2001-01-31 12:00:00",
                        config.time(), describe(input), rs.getString(1)));
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "checking time column '" + config.time() + "' of " + describe(input));
        }
    }

    record Totals(long keys, long measurements, long dropped) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("keys", keys);
            m.put("measurements", measurements);
            m.put("dropped_rows", dropped);
            return m;
        }

        static Totals of(Map<String, Object> m) {
            if (!m.containsKey("measurements")) {
                throw SluiceException.input("the plan of this output holds no input totals (written by an older "
                        + "version?); delete the output and run again");
            }
            return new Totals(((Number) m.get("keys")).longValue(), ((Number) m.get("measurements")).longValue(),
                    ((Number) m.get("dropped_rows")).longValue());
        }
    }

    Totals countKeys(DuckSession duck, Sql.Fragment relation, Columns cols, InputFiles.Resolved input) {
        String create = Sql.load(SQL + "key_counts").bind("input", relation).bind("key", Sql.ident(cols.key()))
                .bind("time", Sql.ident(cols.time())).render();
        try (Connection c = duck.connection(); Statement s = c.createStatement()) {
            s.execute(create);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (key IS NOT NULL AND measurements > 0), "
                    + "coalesce(sum(measurements) FILTER (key IS NOT NULL), 0), "
                    + "coalesce(sum(null_times), 0) + coalesce(sum(measurements) FILTER (key IS NULL), 0) "
                    + "FROM probe_key_counts")) {
                rs.next();
                Totals t = new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                if (t.measurements() == 0) {
                    throw SluiceException.input(String.format(Locale.ROOT,
                            "no measurements in %s: %s; give a file with rows that have a key and a time",
                            describe(input), t.dropped() > 0 ? t.dropped() + " row(s), all without key or time"
                                    : "the input is empty"));
                }
                return t;
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading " + describe(input));
        }
    }

    /**
     * Buckets of at most half of DuckDB's memory in raw bytes each, rounded up to a power of two so that
     * nearby budgets give the same plan; at least 8 once there are a million measurements, so that shard
     * tasks have units to share and a rerun after a kill has little to redo. The sort spills, so a bucket
     * need not fit in memory; the bound keeps the work a kill loses small. The worker count plays no part:
     * the output must not depend on it. {@code --buckets} overrides.
     */
    int planBuckets(long measurements, Columns cols, long sortBytes) {
        if (config.buckets() > 0) {
            return config.buckets();
        }
        double need = (double) measurements * rowBytes(cols) / (sortBytes / 2.0);
        int buckets = Integer.highestOneBit(Math.max(1, (int) Math.min(MAX_BUCKETS, Math.ceil(need))) * 2 - 1);
        if (measurements >= 1_000_000) {
            buckets = Math.max(buckets, 8);
        }
        return Math.clamp(buckets, 1, MAX_BUCKETS);
    }

    /**
     * Bytes of one value of a DuckDB type in an Arrow batch: fixed widths as they are (DuckDB exports every DECIMAL
     * as a 128-bit decimal); text and blobs as a 4-byte offset and 28 bytes of characters, and nested types as 32,
     * estimates that err wide.
     */
    static int arrowBytes(String duckType) {
        String t = duckType.toUpperCase(Locale.ROOT);
        if (t.matches("BOOLEAN|TINYINT|UTINYINT")) {
            return 1;
        } else if (t.matches("SMALLINT|USMALLINT")) {
            return 2;
        } else if (t.matches("INTEGER|UINTEGER|FLOAT|DATE")) {
            return 4;
        } else if (t.matches("BIGINT|UBIGINT|DOUBLE|TIME|TIMESTAMP.*")) {
            return 8;
        } else if (t.matches("HUGEINT|UHUGEINT|UUID|INTERVAL|DECIMAL.*")) {
            return 16;
        }
        return 32;
    }

    /** Rows per batch of the sorted stream into Java: about {@value #SORTED_BATCH_BYTES} bytes, at most 16,384. */
    static long sortedBatchRows(Columns cols) {
        return Math.clamp(SORTED_BATCH_BYTES / (8 + cols.valueBytes()), 1024, SORTED_BATCH_ROWS);
    }

    /** An output batch's rows: one Parquet row group (see {@link #BATCH_BYTES}); fixed by the plan. */
    int rowGroupRows(Columns cols) {
        long rowBytes = (long) config.maxLen() * 8 * (1 + cols.fields().size());
        return (int) Math.max(1, BATCH_BYTES / rowBytes);
    }

    /** Bytes of one output batch, by the real widths of its values. */
    long outBatchBytes(Columns cols) {
        return (long) rowGroupRows(cols) * (config.maxLen() * (long) cols.valueBytes() + 64);
    }

    /** Bytes of one batch of the sorted stream. */
    static long inBatchBytes(Columns cols) {
        return sortedBatchRows(cols) * (8 + cols.valueBytes());
    }

    /**
     * What the Java pass holds in Arrow besides the writer's queue: about ten output batches that DuckDB's COPY
     * holds while it reads them, three sorted input batches, 4 MB of keys and slack. Measured on 2M rows of 11
     * columns (one DECIMAL, 84 bytes a measurement, 1.5 MB output batches) at 320 MB, peaks over 5 runs: 15.6 MB with
     * the queue held to one batch, then about 2.3 bytes more per byte of queue (Arrow rounds buffers up to powers
     * of two): 16-19.5 MB with a queue of 2 batches, 19.5-26 MB with 4, 27-33 MB of the 32 MB limit with 8 MB (a
     * quarter of the limit; it failed 1 run in 10).
     */
    long arrowBase(Columns cols) {
        return 10 * outBatchBytes(cols) + 3 * inBatchBytes(cols) + (4L << 20);
    }

    /**
     * The writer's queue: what Arrow's share leaves after {@link #arrowBase}, counted at 2.5 times the batches'
     * bytes, at most a quarter of the share (a longer queue keeps DuckDB's COPY fed: 30M flights at 1 GB take 8% more
     * time with 2 batches than with a quarter), at least two batches.
     */
    long writerQueueBytes(MemoryBudget budget, Columns cols) {
        long room = (long) ((budget.arrowBytes() - arrowBase(cols)) / QUEUE_COST);
        return Math.clamp(room, 2 * outBatchBytes(cols), Math.max(2 * outBatchBytes(cols), budget.arrowBytes() / 4));
    }

    /** The Arrow memory the Java pass holds at most, from the real widths of the rows. */
    long arrowNeed(MemoryBudget budget, Columns cols) {
        return arrowBase(cols) + (long) (QUEUE_COST * writerQueueBytes(budget, cols));
    }

    /**
     * Arrow's share and DuckDB's sort memory for these rows under {@code budget}: Arrow gets what the rows need
     * when that is more than its share, taken from DuckDB's; when that leaves DuckDB less than it needs, the run
     * stops with the budget that would do.
     */
    record Shares(long arrowBytes, long sortBytes, long queueBytes) {}

    Shares shares(MemoryBudget budget, Columns cols) {
        long arrow = Math.max(budget.arrowBytes(), arrowNeed(budget, cols));
        long sort = sortMemory(budget, cols) - (long) ((arrow - budget.arrowBytes()) / MemoryBudget.DUCKDB_OVERSHOOT);
        if (sort < MemoryBudget.MIN_DUCKDB) {
            long enough = budget.totalBytes();
            long sortAt;
            do {
                enough += 16L << 20;
                MemoryBudget b = MemoryBudget.of(enough, SPEC.memory());
                long a = Math.max(b.arrowBytes(), arrowNeed(b, cols));
                sortAt = sortMemory(b, cols) - (long) ((a - b.arrowBytes()) / MemoryBudget.DUCKDB_OVERSHOOT);
            } while (sortAt < MemoryBudget.MIN_DUCKDB);
            throw SluiceException.resource(String.format(Locale.ROOT, "rows of %d fields (%d bytes a measurement, "
                            + "--max-len %d) need %s of Arrow batches in flight, which leaves DuckDB's sort too little "
                            + "of the %s budget: give --memory-limit %s or more, or a smaller --max-len",
                    cols.fields().size(), cols.valueBytes(), config.maxLen(), Sizes.format(arrowNeed(budget, cols)),
                    Sizes.format(budget.totalBytes()), Sizes.format(enough)), null);
        }
        return new Shares(arrow, sort, writerQueueBytes(budget, cols));
    }

    /**
     * DuckDB's {@code memory_limit} for the sort: the budget's share, less for rows of more than three fields.
     * DuckDB's resident peak over its limit grows with the row's width: with 14 fields at a 512 MB budget the
     * process peaked at 470-531 MB (limit 247 MB), over the 1.35 the budget assumes; 2% less per field past three
     * brings that limit to 202 MB. The flights' two or three fields keep the whole share.
     */
    static long sortMemory(MemoryBudget budget, Columns cols) {
        return (long) (budget.duckdbBytes() / (1 + 0.02 * Math.max(0, cols.fields().size() - 3)));
    }

    /** Raw bytes of one measurement in a sort: key rank, time, and each field (text counted wider). */
    static long rowBytes(Columns cols) {
        return sortBytesPerRow(cols.fields().size());
    }

    /** The same, for an input with {@code fields} field columns (for the estimate). */
    public static long sortBytesPerRow(int fields) {
        return 16 + 8L * (fields + 1);
    }

    private void assignKeys(DuckSession duck, Sql.Fragment relation, Columns cols, int buckets) {
        long ppm = Math.round(config.testFraction() * 1_000_000);
        String sql = Sql.load(SQL + "keys").bind("buckets", Sql.number(buckets))
                .bind("seed", Sql.literal(Long.toString(config.seed()))).bind("test_ppm", Sql.number(ppm)).render();
        try {
            duck.execute(sql);
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "assigning keys to buckets");
        }
    }

    /**
     * Writes the key table next to the plan (to a temporary name, then renamed), so that the other shard
     * tasks and a rerun read it instead of counting the keys again; every writer writes the same rows.
     */
    private static void saveKeys(DuckSession duck, Path keysFile) {
        Path tmp = keysFile.resolveSibling("." + KEYS + "-" + ProcessHandle.current().pid() + ".tmp");
        try {
            duck.execute(Sql.load(SQL + "save_keys")
                    .bind("path", Sql.literal(tmp.toString())).render());
            Durable.rename(tmp, keysFile);
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "writing the key table " + keysFile);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(keysFile, e);
        }
    }

    /** The input's time column as the sort reads it: text parsed as a timestamp (see {@link #checkColumns}). */
    private static Sql.Fragment timeExpr(Columns cols) {
        Sql.Fragment time = Sql.qualified("i", List.of(cols.time()));
        return cols.castTime() ? Sql.cast(time, "TIMESTAMP") : time;
    }

    /**
     * The measurements once more, each with its key's rank in place of the key and its time cast as
     * {@code sorted.sql} casts it, written once for all shard tasks (by the first that needs it, under the
     * planning lock) to the output's scratch directory, which every task can read: each task then reads this
     * instead of scanning and joining the whole input, whose every column it would decode to find its part.
     * Written to a temporary name and renamed, so a killed writer leaves no copy that looks complete. Its
     * columns read back with the input's types: the input is Parquet, whose types DuckDB writes back as it read
     * them, or CSV, whose detected types (numbers, text, dates, times) Parquet all holds.
     */
    private Path sharedCopy(DuckSession duck, Sql.Fragment relation, Columns cols, OutputDir out) {
        Path file = out.scratch().resolve(COPY);
        if (Files.exists(file)) {
            return file;
        }
        long start = System.nanoTime();
        ctx.log("probe-rows: writing the measurements with their key ranks to " + file + ", once for all shard "
                + "tasks (the others wait for it)");
        Path tmp = out.scratchForWriting().resolve("." + COPY + "-" + ProcessHandle.current().pid() + ".tmp");
        String sql = Sql.load(SQL + "copy_measurements").bind("input", relation).bind("key", Sql.ident(cols.key()))
                .bind("time", Sql.ident(cols.time())).bind("time_expr", timeExpr(cols))
                .bind("fields", Sql.columnsAfter("i", cols.fields())).bind("path", Sql.literal(tmp.toString()))
                .render();
        try {
            duck.execute(sql);
            Durable.rename(tmp, file);
            ctx.log(String.format(Locale.ROOT, "probe-rows: wrote the measurements with their key ranks to %s (%s, "
                    + "%.1f s) for the shard tasks to read instead of the input", file, Sizes.format(Files.size(file)),
                    (System.nanoTime() - start) / 1e9));
            return file;
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "writing the shard tasks' copy of the measurements to " + tmp);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        } finally {
            TempDirs.deleteTree(tmp);
        }
    }

    private static void loadKeys(DuckSession duck, Path keysFile) {
        try {
            duck.execute(Sql.load(SQL + "load_keys")
                    .bind("path", Sql.literal(keysFile.toString())).render());
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading the key table " + keysFile + " (delete it to count the keys again)");
        }
    }

    /**
     * Sorts the measurements of {@code units} in one query and streams them through the Java pass, unit
     * after unit and split after split, each into its shard; a unit is committed once both are written. Returns
     * the peak of Arrow's allocations.
     */
    private long writeUnits(DuckSession duck, Sql.Fragment relation, Columns cols, List<Integer> units,
                            OutputDir out, Shares shares, Path copy, TextCodes codes, MemoryMonitor memory) {
        UnitRanks ranks = unitRanks(duck);
        // One output batch per Parquet row group (see ChunkCutter), of at most about BATCH_BYTES (counting 8
        // bytes a value): small, because DuckDB may hold a few exported batches while the next is built and
        // more wait for the writer, whatever the number of fields; fixed by the plan alone, because it decides
        // the file bytes.
        int rowGroupRows = rowGroupRows(cols);
        String alias = copy == null ? "i" : "c";
        Sql sort = copy == null
                ? Sql.load(SQL + "sorted").bind("input", relation).bind("key", Sql.ident(cols.key()))
                        .bind("time_expr", timeExpr(cols))
                : Sql.load(SQL + "sorted_copy").bind("copy", Sql.literal(copy.toString()));
        String sortSql = sort.bind("time", Sql.ident(cols.time())).bind("units", Sql.numberTuple(units))
                .bind("fields", codes.fieldColumns(alias, cols.fields()))
                .bind("text_joins", codes.joins(alias, cols.fields()))
                .bind("order_fields", Sql.namesAfter(cols.fields())).render();
        String unitName = "";
        long measurementsCut = 0;
        try (BufferAllocator root = new RootAllocator(shares.arrowBytes());
             Progress progress = new Progress("probe-rows", "buckets", "measurements", units.size(), ctx.progress(),
                     ctx.err(), 5000, memory.budgetBytes());
             Connection sortConn = duck.connection();
             Statement sortStatement = sortConn.createStatement();
             // The sort yields nothing until it ends, a third or more of the run: show DuckDB's progress meanwhile.
             DuckSession.ProgressWatch sortWatch = DuckSession.watchProgress(sortStatement,
                     f -> progress.stage(String.format(Locale.ROOT, "sort %.0f%%", 100 * f)));
             Connection keysConn = duck.connection();
             ArrowStreams.QueryBatches sorted = ArrowStreams.query(sortStatement, sortSql, root,
                     sortedBatchRows(cols));
             ShardWrites writes = new ShardWrites(duck, out, root, shares.queueBytes(), progress,
                     (job, tmpFile) -> writeSql(cols, job, tmpFile, rowGroupRows))) {
            sortWatch.close();
            progress.stage(null);
            UnitStream stream = ranks.stream(sorted.reader());
            for (int unit : units) {
                long[] exp = ranks.measurements().getOrDefault(unit, new long[2]);
                for (int s = 0; s < SPLITS.size(); s++) {
                    if (exp[s] == 0) {
                        continue;
                    }
                    unitName = String.format(Locale.ROOT, "bucket %d (%s)", unit, SPLITS.get(s));
                    int next = stream.nextUnit();
                    if (next != 2 * unit + s) {
                        throw SluiceException.internal(unitName + ": the sorted stream is at unit " + next, null);
                    }
                    long before = measurementsCut;
                    cutShard(keysConn, cols, stream, unit, s, exp[s], root, rowGroupRows, codes, writes,
                            cut -> memory.rowsDone(before + cut));
                    measurementsCut += exp[s];
                }
                writes.unitDone(unit, exp[0] + exp[1]);
            }
            writes.finish();
            return root.getPeakMemoryAllocation();
        } catch (RuntimeException e) {
            throw e;
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "sorting the measurements" + (unitName.isEmpty() ? "" : ", at " + unitName));
        } catch (Exception e) {
            throw SluiceException.internal("writing " + unitName + ": " + e.getMessage(), e);
        }
    }

    /**
     * Cuts one bucket's split into rows and hands them, batch by batch, to the shard writer; tells {@code measured}
     * the measurements cut so far after each batch (the run's throughput over time).
     */
    private void cutShard(Connection keysConn, Columns cols, UnitStream stream, int unit, int split, long expected,
                          BufferAllocator root, int rowGroupRows, TextCodes codes, ShardWrites writes,
                          LongConsumer measured) throws Exception {
        String keysSql = Sql.load(SQL + "bucket_keys").bind("key", Sql.ident(cols.key()))
                .bind("bucket", Sql.number(unit)).bind("test", Sql.bool(split == 1)).render();
        try (ArrowStreams.QueryBatches keys = ArrowStreams.query(keysConn, keysSql, root, 1 << 14);
             ChunkCutter cutter = new ChunkCutter(stream, keys.reader(), root, config.maxLen(), rowGroupRows,
                     cols.time(), codes)) {
            VectorSchemaRoot batch = cutter.getVectorSchemaRoot();
            writes.begin(new ShardWrites.Job(unit, split, Shard.name(SPLITS.get(split), unit, 0), expected,
                    batch.getSchema()));
            while (cutter.loadNextBatch()) {
                writes.add(batch);
                measured.accept(cutter.measurementsIn());
            }
            writes.end(cutter.rowsOut(), cutter.measurementsIn());
        }
    }

    private String writeSql(Columns cols, ShardWrites.Job job, Path tmpFile, int rowGroupRows) {
        return Sql.load(SQL + "write_shard").bind("key", Sql.ident(cols.key()))
                .bind("split", Sql.literal(SPLITS.get(job.split())))
                .bind("stream", Sql.ident(job.streamName()))
                .bind("path", Sql.literal(tmpFile.toString())).bind("row_group_rows", Sql.number(rowGroupRows))
                .render();
    }

    /**
     * Per bucket, its measurements by split, and the range of key ranks of each of its units (bucket and
     * split), from the key table: the counts to check each bucket's output against, the ranges to find
     * where the sorted stream passes from one unit to the next.
     */
    record UnitRanks(Map<Integer, long[]> measurements, long[] firstKid, int[] unitOfRange) {
        UnitStream stream(ArrowReader sorted) {
            return new UnitStream(sorted, firstKid, unitOfRange);
        }
    }

    private static UnitRanks unitRanks(DuckSession duck) {
        Map<Integer, long[]> m = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT bucket, test, sum(measurements), min(kid), max(kid), count(*) "
                     + "FROM probe_keys GROUP BY ALL ORDER BY min(kid)")) {
            while (rs.next()) {
                int bucket = rs.getInt(1);
                int split = rs.getBoolean(2) ? 1 : 0;
                m.computeIfAbsent(bucket, k -> new long[2])[split] = rs.getLong(3);
                long first = rs.getLong(4);
                if (rs.getLong(5) - first + 1 != rs.getLong(6)) {
                    throw SluiceException.input(String.format(Locale.ROOT, "the key table %s does not rank keys by "
                            + "bucket and split (written by an older version?); delete it and rerun", KEYS));
                }
                ranges.add(new long[] {first, 2L * bucket + split});
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "counting measurements per bucket");
        }
        long[] firstKid = new long[ranges.size()];
        int[] unitOfRange = new int[ranges.size()];
        for (int i = 0; i < firstKid.length; i++) {
            firstKid[i] = ranges.get(i)[0];
            unitOfRange[i] = (int) ranges.get(i)[1];
        }
        return new UnitRanks(m, firstKid, unitOfRange);
    }

    static String describe(InputFiles.Resolved input) {
        List<Path> f = input.files();
        return f.size() == 1 ? f.get(0).toString() : f.size() + " files (" + f.get(0) + ", ...)";
    }

}
