package dev.sluice.text;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Durable;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.Json;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.engine.TempDirs;
import dev.sluice.io.ArrowStreams;
import dev.sluice.io.DocumentSource;
import dev.sluice.io.TextInputs;
import dev.sluice.engine.MemoryPolicy;
import dev.sluice.shard.InputFingerprint;
import dev.sluice.shard.JobRun;
import dev.sluice.shard.JobRuntime;
import dev.sluice.shard.JobSpec;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Plan;
import dev.sluice.shard.PlanLock;
import dev.sluice.shard.Shard;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * pack: documents to fixed-length token sequences for LM training.
 *
 * <p>One reader thread reads documents in input order (stopping at {@code --max-samples}); the worker pool
 * tokenizes (and hashes) them in chunks; one thread takes the chunks back in order and applies exact dedup,
 * the length filter and packing, and DuckDB writes the sequences to Parquet shards of bounded size.
 *
 * <p>The work units are fixed ranges of {@code --unit-docs} documents in input order, each packed on its own
 * and written as {@code train/part-UUUUU-PPPPP.parquet} (unit, part). As shard task {@code I/N} the job
 * produces the units {@code u} with {@code u mod N == I}. Dedup needs every earlier document, so the first task
 * reads and hashes the whole input once into a {@link DocumentIndex} (where each unit starts, which documents
 * repeat earlier ones); every task then reads and tokenizes only its own units. A rerun after a crash skips
 * committed units (a single process still reads their documents, for dedup). The number of units is known only
 * at the end of the input: the index, or a single process that read to the end, records it in
 * {@value #UNITS_FILE}, which the manifest (here, or in {@code sluice merge}) reads. The dedup store takes the
 * run's hashes only once the manifest is written, so a failed run leaves it unchanged and its rerun makes the
 * same decisions; shard tasks cannot use one (no task sees the whole run's documents through to the manifest).
 */
public final class PackJob implements JobRuntime.Job<PackJob.Result> {
    static final String SQL = "pack/";
    static final String SPLIT = "train";
    /** The number of units and documents in the input, written by every process that read it to its end. */
    public static final String UNITS_FILE = "_pack_units.json";
    /** New hashes held in memory before they are written as a store segment (64 MB of table). */
    static final int DEDUP_BUFFER = 1 << 22;
    /** Sequences per Arrow batch handed to DuckDB. */
    static final int BATCH_ROWS = 64;
    /** Uncompressed bytes per Parquet row group: what DuckDB buffers before writing one (4 MB: 1M tokens). */
    static final long ROW_GROUP_BYTES = 4L << 20;
    /**
     * The caches of encoded segments (see {@link SegmentEncoder}): one shared by the workers, of at most an
     * eighth of the heap, and one per worker, of at most a sixteenth of the heap between them.
     */
    static final long SHARED_CACHE_BYTES = 32L << 20;
    static final long OWN_CACHE_BYTES = 8L << 20;
    /** Documents (or chunks) after which the start-up estimate is printed. */
    static final long ESTIMATE_DOCS = 2000;

    private final PackConfig config;
    private final JobContext ctx;
    private final InputStream stdin;
    /** The input and the tokenizer, resolved by {@link #check}. */
    private TextInputs.Resolved input;
    private Tokenizer tokenizer;
    private final long startNanos = System.nanoTime();
    private boolean estimated;
    /** The progress bar on a terminal, or log lines every 5 s (null when no unit is being packed). */
    private Progress bar;

    public PackJob(PackConfig config, JobContext ctx, InputStream stdin) {
        this.config = config;
        this.ctx = ctx;
        this.stdin = stdin;
    }

    /** What pack's run record says besides the outcome; {@code totals} are the manifest's (or a task's) counts. */
    public record Figures(long documentsKept, long tokens, long tokensPerSecond, long sequences, int shards,
                          long bytesOut, Map<String, Long> totals) {}

    /** What {@code --index-only}'s run record says besides the outcome. */
    public record IndexFigures(boolean indexOnly, long duplicatesInRun) {}

    /** What a finished run produced: the whole output's totals, or a shard task's own units'. */
    public record Result(long documents, long kept, long duplicates, long tokensKept, long sequences, int shards,
                         Map<String, Long> totals) {}

    /**
     * The registry entry. pack keeps its documents, tokens and tokenizer caches on the heap, and its DuckDB only
     * writes Parquet (and reads Parquet input): a third of the budget for the heap (at a fifth of 1 GB the old
     * generation filled and full collections stopped every thread about 40 times in 13 s). Its Arrow batches are
     * 64 sequences (512 KB at 2,048 tokens): a sixteenth of the budget is plenty.
     */
    public static final JobSpec SPEC = new JobSpec("pack", new MemoryPolicy(333, 48L << 20, 0, 1.0 / 16), List.of(),
            JobSpec.Ownership.TURNS, "unit(s)", new JobSpec.ManifestRule() {
                @Override
                public Plan complete(OutputDir out, Plan plan) {
                    return manifestPlan(out, plan, Map.of());
                }

                @Override
                public Manifest.Written write(OutputDir out, Plan plan) {
                    return Manifest.writeFromUnits(out, plan);
                }
            });

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
    public void check(JobContext c) {
        input = TextInputs.resolve(config.inputs(), config.format());
        if (input.unbounded() && config.maxSamples() == 0) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--max-samples is required when reading %s: it can stream without end, and the cap is what "
                            + "stops the run; give e.g. --max-samples 100000", input.kind() == TextInputs.Kind.STDIN
                            ? "standard input (--input -)" : "a remote URL (" + input.paths().get(0) + ")"));
        }
        tokenizer = Tokenizer.of(config.tokenizer(), config.eosToken());
        long rowMax = 8L * (config.seqLen() + 1) + 8;
        if (capBytes(config.shardSize()) < rowMax) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--shard-size %s cannot hold one sequence of --seq-len %d; give --shard-size %s or more",
                    Sizes.format(config.shardSize()), config.seqLen(),
                    Sizes.format((Math.max(rowMax + (64 << 10), (long) Math.ceil(rowMax / 0.95)) + 4095) & -4096)));
        }
        ShardSpec shard = c.shard();
        if (!shard.whole() && input.kind() != TextInputs.Kind.FILES) {
            throw SluiceException.usage("pack as shard task " + shard + " needs input files that every task reads "
                    + "alike; standard input or a URL cannot be read the same way by each task: save it to a file "
                    + "first, or run pack as one process (without --shard)");
        }
        if (config.indexOnly() && !shard.whole()) {
            throw SluiceException.usage("--index-only writes the one index of every shard task: run it once, "
                    + "without --shard (here " + shard + ")");
        }
        if (!shard.whole() && config.dedupStore() != null) {
            throw SluiceException.usage("--dedup-store cannot be used by shard task " + shard + ": every task sees "
                    + "the hashes of the whole input and would add them to the store; run pack with the store as one "
                    + "process, or drop --dedup-store (dedup within the run still applies across tasks)");
        }
    }

    @Override
    public Result execute(JobRun run) {
        run.stage("plan");
        Map<String, Object> parameters = new LinkedHashMap<>(config.parameters());
        parameters.putAll(tokenizer.planParameters());
        Plan plan = run.fixPlan(Plan.of(SPEC.name(), parameters, fingerprint(input)));
        Path manifest = run.out().path().resolve(OutputDir.MANIFEST);
        if (Files.exists(manifest)) {
            return alreadyDone(run);
        }
        run.out().removeTemporaryFiles(run.shard()::owns, run.shard().whole());
        return pack(run, plan);
    }

    private Result pack(JobRun run, Plan plan) {
        OutputDir out = run.out();
        ShardSpec shard = run.shard();
        MemoryBudget budget = run.budget();
        MemoryMonitor memory = run.memory();
        RunRecord record = run.record();
        Path tmp = run.tmp();
        long capBytes = capBytes(config.shardSize());
        ctx.log(String.format(Locale.ROOT, "pack: %s (%s%s), %s, seq-len %d, dedup %s%s, units of %,d documents, "
                        + "%d worker(s)", input.describe(), input.format().name().toLowerCase(Locale.ROOT),
                input.totalBytes() > 0 ? ", " + Sizes.format(input.totalBytes()) : "", tokenizer.name(),
                config.seqLen(), config.dedup().name().toLowerCase(Locale.ROOT),
                config.dedupStore() == null ? "" : " with store " + config.dedupStore(), config.unitDocs(),
                ctx.workers()));
        int rowGroupRows = (int) Math.max(1, ROW_GROUP_BYTES / (4L * config.seqLen()));
        List<Shard> shards = new ArrayList<>();
        // This run's units' statistics, summed: a shard task's totals.
        Map<String, Long> produced = new TreeMap<>();
        int unitsRun = 0;
        PackStream.InputProgress progress;
        DedupStore store = null;
        // One DuckDB thread: its work here is one ordered stream to Parquet (and reading Parquet input). With
        // more threads its ordered COPY buffered row groups: +100 MB of RSS per 200 MB shard, measured.
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), 1,
                tmp.resolve("duckdb"), ctx.workers() * 2 + 2))) {
            // A shard task reads only its units, from the index the first task writes; one process reads it all.
            DocumentIndex index = shard.whole() && !config.indexOnly() ? null
                    : planIndex(input, tokenizer, out, duck, tmp, memory);
            if (config.indexOnly()) {
                long dups = index.units().stream().mapToLong(DocumentIndex.Unit::dups).sum();
                record.outcome(new RunRecord.Outcome(0, index.units().size(), 0, shard.toString()))
                        .figures(new IndexFigures(true, dups));
                run.finish(index.documents());
                ctx.log("pack: index written to " + out.scratch().resolve(DocumentIndex.FILE) + "; now run the "
                        + "shard tasks (pack ... --shard I/N with the same options), then sluice merge " + out.path());
                return new Result(index.documents(), 0, dups, 0, 0, 0, Map.of("units", (long) index.units().size()));
            }
            // Known here if an index says, or a process already read the input to its end (a killed attempt).
            UnitsRead known = index != null ? null : readUnitsFile(out);
            int units = index != null ? index.units().size() : known == null ? -1 : known.units();
            int mine = units < 0 ? -1 : (units - shard.index() + shard.count() - 1) / shard.count();
            if (!shard.whole()) {
                ctx.log(String.format(Locale.ROOT, "pack: shard task %s: units u with u mod %d = %d (%d of %d "
                        + "unit(s)); reads only these units' documents, from their positions in the index", shard,
                        shard.count(), shard.index(), mine, units));
            }
            int committedBefore = committedUnits(out, shard);
            if (committedBefore > 0) {
                ctx.log(String.format(Locale.ROOT, "pack: resuming: %d %sunit(s) already committed; %s",
                        committedBefore, mine < 0 ? "" : "of " + mine + " ", index != null ? "they are not read again"
                                : "their documents are read for dedup only, not tokenized"));
            }
            if (index == null && config.dedup() == PackConfig.Dedup.EXACT) {
                store = config.dedupStore() != null ? DedupStore.open(config.dedupStore(), DEDUP_BUFFER)
                        : DedupStore.temporary(tmp.resolve("dedup"), DEDUP_BUFFER);
                if (store.storedBefore() > 0) {
                    ctx.log(String.format(Locale.ROOT, "pack: dedup store %s holds %,d hashes", config.dedupStore(),
                            store.storedBefore()));
                }
            }
            memory.stage("pack");
            // Decided by the reader as each unit starts: this task's units that no earlier attempt committed.
            // Committed units are checked against their CRC-32C before they are skipped (see OutputDir#verifiedShards).
            IntPredicate produce = u -> shard.owns(u) && out.verifiedShards(u, run::log) == null;
            DocumentPipeline.Reading reading = index != null
                    ? DocumentPipeline.Reading.units(index, index.units().stream()
                            .filter(u -> produce.test(u.number())).toList())
                    : DocumentPipeline.Reading.sequential(config.maxSamples(), config.unitDocs(), produce);
            // The start-up estimate extrapolates the input from what was read: a shard task knows it exactly.
            estimated = index != null;
            try (DocumentSource source = DocumentSource.open(input, config.textColumn(), config.maxSamples(), stdin,
                    duck);
                 DocumentPipeline pipeline = pipeline(source, reading, store, tokenizer);
                 BufferAllocator alloc = new RootAllocator(budget.arrowBytes());
                 Connection copyConn = duck.connection()) {
                PackStream stream = new PackStream(pipeline, config, tokenizer, index, s -> {
                    memory.rowsDone(s.documents);
                    report(s);
                });
                bar = new Progress("pack", "%", "tokens", 100, ctx.progress(), ctx.err(), 5000, budget.totalBytes());
                try {
                    for (int unit; (unit = stream.nextUnit()) >= 0; unitsRun++) {
                        List<Shard> parts = new ArrayList<>();
                        while (stream.peek() != null) {
                            parts.add(writeShard(stream, unit, parts.size(), out, alloc, copyConn, capBytes,
                                    rowGroupRows));
                        }
                        Map<String, Long> stats = stream.unitStats().toMap();
                        out.commitUnit(unit, parts, stats);
                        stats.forEach((k, v) -> produced.merge(k, v, Long::sum));
                        shards.addAll(parts);
                    }
                } catch (SQLException e) {
                    if (stream.failure() != null) {
                        throw stream.failure();
                    }
                    throw SqlErrors.wrap(e, "writing shards to " + out.path());
                }
                progress = stream.progress();
                if (index == null) {
                    units = stream.units();
                }
                closeBar();
            } catch (SQLException e) {
                throw SqlErrors.wrap(e, "closing the DuckDB connection of " + out.path());
            }
            if (index == null) {
                if (progress.documents == 0) {
                    throw noDocuments(input, progress.counts);
                }
                writeUnitsFile(out, units, progress.documents);
            }
            long bytes = shards.stream().mapToLong(Shard::bytes).sum();
            double secs = (System.nanoTime() - startNanos) / 1e9;
            Map<String, Long> totals;
            int shardCount = shards.size();
            if (shard.whole()) {
                Map<String, Object> storeTotals = new LinkedHashMap<>();
                if (store != null && config.dedupStore() != null) {
                    storeTotals.put("store_hashes_before", store.storedBefore());
                    storeTotals.put("store_hashes_added", store.added());
                }
                memory.stage("manifest");
                Manifest.Written written = Manifest.writeFromUnits(out, manifestPlan(out, plan, storeTotals));
                totals = counts(written.totals());
                shardCount = written.shards().size();
                if (store != null) {
                    store.commit();
                }
            } else {
                totals = produced.isEmpty() ? new PackStream.Stats().toMap() : produced;
            }
            record.outcome(new RunRecord.Outcome(totals.get("sequences"), units, unitsRun, shard.toString()))
                    .figures(new Figures(totals.get("documents_kept"), progress.tokensRead,
                            Math.round(progress.tokensRead / secs), totals.get("sequences"), shards.size(), bytes,
                            totals));
            run.finish(progress.documents);
            logSummary(totals, progress, unitsRun, units, shards.size(), bytes, secs);
            if (!shard.whole()) {
                run.log("shard task " + shard + " done" + run.mergeHint());
            }
            return new Result(totals.get("documents_read"), totals.get("documents_kept"),
                    totals.get("duplicates_in_run") + totals.get("duplicates_of_store"),
                    totals.get("tokens_kept"), totals.get("sequences"), shardCount, totals);
        } finally {
            closeBar();
            if (store != null) {
                store.close();
            }
        }
    }

    /** The numeric totals of a manifest (the counts; the end-of-text id among them). */
    private static Map<String, Long> counts(Map<String, Object> totals) {
        Map<String, Long> m = new TreeMap<>();
        totals.forEach((k, v) -> {
            if (v instanceof Number n) {
                m.put(k, n.longValue());
            }
        });
        return m;
    }

    /** The pipeline of this run's workers, with tokenizer caches sized from the heap. */
    private DocumentPipeline pipeline(DocumentSource source, DocumentPipeline.Reading reading, DedupStore store,
                                      Tokenizer tokenizer) {
        long heap = Runtime.getRuntime().maxMemory();
        return new DocumentPipeline(source, reading, store, tokenizer, ctx.workers(),
                Math.min(SHARED_CACHE_BYTES, heap / 8), Math.min(OWN_CACHE_BYTES, heap / 16 / ctx.workers()));
    }

    private SluiceException noDocuments(TextInputs.Resolved input, DocumentSource.Counts counts) {
        return SluiceException.input(String.format(Locale.ROOT,
                "no documents in %s: %s; give JSONL objects with a '%s' string field (or name it with "
                        + "--text-column), Parquet with that column, or plain text", input.describe(),
                problems(counts), config.textColumn()));
    }

    /**
     * The shard tasks' index of the input ({@link DocumentIndex}): read, or written by the first task to get here,
     * under the planning lock, while the others wait for it. Writing it reads and hashes the whole input once.
     */
    private DocumentIndex planIndex(TextInputs.Resolved input, Tokenizer tokenizer, OutputDir out, DuckSession duck,
                                   Path tmp, MemoryMonitor memory) {
        Path file = out.scratch().resolve(DocumentIndex.FILE);
        try (PlanLock planning = out.planLock(m -> ctx.log("pack: " + m))) {
            if (Files.exists(file)) {
                return DocumentIndex.read(file);
            }
            long start = System.nanoTime();
            memory.stage("index");
            ctx.log("pack: indexing the input once for all shard tasks (where each unit starts, which documents "
                    + "repeat earlier ones) to " + file + "; the other tasks wait for it");
            out.scratchForWriting();
            boolean dedup = config.dedup() == PackConfig.Dedup.EXACT;
            long[] lastReport = {System.nanoTime()};
            DocumentIndex index;
            // The store closes after the pipeline, whose workers use it.
            try (DedupStore store = dedup ? DedupStore.temporary(tmp.resolve("dedup-index"), DEDUP_BUFFER) : null;
                 DocumentSource source = DocumentSource.open(input, config.textColumn(), config.maxSamples(), stdin,
                    duck);
                 DocumentPipeline pipeline = pipeline(source, DocumentPipeline.Reading.indexing(config.maxSamples(),
                         config.unitDocs()), store, tokenizer)) {
                index = DocumentIndex.build(pipeline, file, (docs, fraction) -> {
                    if (ctx.progress() != Progress.Mode.NONE && System.nanoTime() - lastReport[0] > 5_000_000_000L) {
                        lastReport[0] = System.nanoTime();
                        ctx.log(Progress.stamp(String.format(Locale.ROOT, "pack: indexing: %,d documents%s", docs,
                                Double.isNaN(fraction) ? "" : String.format(Locale.ROOT, ", %.0f%% of the input",
                                        100 * fraction)), memory.budgetBytes()));
                    }
                });
            }
            if (index.documents() == 0) {
                TempDirs.deleteTree(file);
                throw noDocuments(input, index.counts());
            }
            writeUnitsFile(out, index.units().size(), index.documents());
            ctx.log(String.format(Locale.ROOT, "pack: indexed %,d documents in %d unit(s) in %.1f s",
                    index.documents(), index.units().size(), (System.nanoTime() - start) / 1e9));
            return index;
        }
    }

    /**
     * The plan as the manifest needs it: the number of units from {@value #UNITS_FILE}, and the totals that are
     * not sums over units (the end-of-text id; the store's counts in a single process). A single process and
     * {@code sluice merge} both write the manifest from this, so they write the same bytes.
     */
    static Plan manifestPlan(OutputDir out, Plan plan, Map<String, Object> extraTotals) {
        UnitsRead units = readUnitsFile(out);
        if (units == null) {
            throw SluiceException.input("no " + UNITS_FILE + " in " + out.path() + ": no pack task has read the "
                    + "input to its end yet, so the number of units is unknown; run (or rerun) the shard tasks");
        }
        Map<String, Object> constants = new LinkedHashMap<>();
        constants.put("end_of_text_id", Tokenizer.endOfText(plan.parameters()));
        constants.putAll(extraTotals);
        return plan.withUnits(units.units()).withInputTotals(constants);
    }

    /** {@value #UNITS_FILE}: the number of units and documents of the input, known once it was read to its end. */
    record UnitsRead(int units, long documentsRead) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("units", units);
            m.put("documents_read", documentsRead);
            return m;
        }
    }

    private static UnitsRead readUnitsFile(OutputDir out) {
        Path file = out.path().resolve(UNITS_FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Map<String, Object> m = Json.read(file);
        return new UnitsRead(((Number) m.get("units")).intValue(), ((Number) m.get("documents_read")).longValue());
    }

    /**
     * Records the number of units. Every task writes the same content (it read the same input), under its own
     * temporary name, so tasks finishing at once do not trip over each other; another count means the input
     * changed between tasks.
     */
    private void writeUnitsFile(OutputDir out, int units, long documents) {
        UnitsRead now = new UnitsRead(units, documents);
        UnitsRead old = readUnitsFile(out);
        if (old != null && !old.equals(now)) {
            throw SluiceException.input(String.format(Locale.ROOT, "%s says an earlier task read %s, this one %s: "
                    + "the input changed between the tasks; delete %s and run them again", out.path().resolve(
                            UNITS_FILE), Json.toString(old.toJson()), Json.toString(now.toJson()), out.path()));
        }
        Path tmp = out.path().resolve(String.format(Locale.ROOT, ".pack-units-%d-%d.tmp",
                ProcessHandle.current().pid(), System.nanoTime()));
        try {
            Files.writeString(tmp, Json.toString(now.toJson()));
            Durable.rename(tmp, out.path().resolve(UNITS_FILE));
        } catch (IOException e) {
            throw SluiceException.cannotWrite(out.path().resolve(UNITS_FILE), e);
        }
    }

    /** This task's units already committed (by an earlier, killed attempt). */
    private static int committedUnits(OutputDir out, ShardSpec shard) {
        return (int) OutputDir.recordedUnits(out.path()).stream()
                .filter(u -> shard.owns(u) && out.committedShards(u) != null).count();
    }

    private Shard writeShard(PackStream stream, int unit, int part, OutputDir out, BufferAllocator alloc,
                             Connection conn, long capBytes, int rowGroupRows) throws SQLException {
        String rel = Shard.name(SPLIT, unit, part);
        Path target = out.path().resolve(rel);
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw SluiceException.cannotWrite(target.getParent(), e);
        }
        String view = "pack_stream_" + unit + "_" + part;
        String sql = Sql.load(SQL + "write_shard").bind("stream", Sql.ident(view))
                .bind("path", Sql.literal(Shard.temporary(target).toString()))
                .bind("row_group_rows", Sql.number(rowGroupRows)).render();
        SequenceBatches batches = new SequenceBatches(stream, alloc, capBytes, BATCH_ROWS);
        ArrowStreams.executeOver(conn, view, batches, alloc, sql);
        return Shard.commit(out.path(), rel, batches.rows());
    }

    /** The uncompressed budget of one shard: the cap less room for Parquet's footer and page headers. */
    static long capBytes(long shardSize) {
        return shardSize - Math.max(64L << 10, shardSize / 20);
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    /**
     * Called after every chunk: prints the start-up estimate once, then moves the progress on (a bar, or a line
     * every 5 s).
     */
    private void report(PackStream.InputProgress s) {
        // Extrapolating needs every document so far packed: not in a task or a resumed run that skipped units.
        if (!estimated && s.skipped == 0 && (s.documents >= ESTIMATE_DOCS || s.fraction >= 0.999)) {
            estimated = true;
            ctx.log(estimate(s));
        }
        if (bar != null) {
            // The share of the input read, or of the --max-samples cap when the input's size is unknown (stdin, URLs).
            double share = !Double.isNaN(s.fraction) ? s.fraction
                    : config.maxSamples() > 0 ? (double) s.documents / config.maxSamples() : 0;
            bar.advanceTo(Math.round(100 * Math.min(1, share)), s.tokensRead);
            bar.note(String.format(Locale.ROOT, "%,d documents, %,d sequences", s.documents, s.sequences));
        }
    }

    /** Documents, tokens and disk of the whole run, extrapolated from the documents read so far. */
    String estimate(PackStream.InputProgress s) {
        double docs;
        String basis;
        if (!Double.isNaN(s.fraction) && s.fraction > 0) {
            docs = s.documents / s.fraction;
            basis = String.format(Locale.ROOT, "%.1f%% of the input", 100 * s.fraction);
        } else {
            docs = config.maxSamples();
            basis = "the --max-samples cap (input size unknown)";
        }
        if (config.maxSamples() > 0) {
            docs = Math.min(docs, config.maxSamples());
        }
        double perDoc = (double) s.tokensKept / Math.max(1, s.documents);
        double keptPerDoc = (double) s.kept / Math.max(1, s.documents);
        double tokens = docs * (perDoc + keptPerDoc); // with one end-of-text token per kept document
        double sequences = Math.ceil(tokens / config.seqLen());
        double bytes = sequences * (4.0 * config.seqLen() + 16);
        return String.format(Locale.ROOT,
                "pack: estimate from the first %,d documents (%s): about %,.0f documents, %,.0f of them kept, "
                        + "%,.0f tokens, %,.0f sequences, at most %s of shards",
                s.documents, basis, docs, docs * keptPerDoc, tokens, sequences, Sizes.format((long) bytes));
    }

    private void logSummary(Map<String, Long> t, PackStream.InputProgress p, int unitsRun, int units, int shards,
                            long bytes, double secs) {
        // A shard task's source counters start again at each unit it reads: the units' records have the totals.
        String first = ctx.shard().whole() ? p.counts.firstProblem() : null;
        long malformed = t.get("malformed_lines");
        long missing = t.get("missing_text");
        ctx.log(String.format(Locale.ROOT, "pack: %d of %d unit(s) packed by this run", unitsRun, units));
        ctx.log(String.format(Locale.ROOT, "pack: %sread %,d documents%s; duplicates %,d within the run, %,d already "
                        + "in the store; dropped %,d too short, %,d too long (%,d truncated)",
                ctx.shard().whole() ? "" : "this task's units: ", t.get("documents_read"),
                malformed + missing > 0 ? String.format(Locale.ROOT, " (input: skipped %,d malformed lines, %,d "
                        + "without text%s)", malformed, missing, first == null ? "" : "; first: " + first) : "",
                t.get("duplicates_in_run"), t.get("duplicates_of_store"), t.get("too_short"),
                t.get("too_long"), t.get("truncated")));
        ctx.log(String.format(Locale.ROOT, "pack: kept %,d documents, %,d tokens; %,d sequences (%,d tokens); this "
                        + "run wrote %d shard(s), %s, and tokenized %,d tokens in %.1f s, %,.0f tokens/s",
                t.get("documents_kept"), t.get("tokens_kept"), t.get("sequences"),
                t.get("tokens_written"), shards, Sizes.format(bytes), p.tokensRead, secs, p.tokensRead / secs));
        if (t.get("documents_kept") == 0 && (ctx.shard().whole() || unitsRun > 0)) {
            ctx.log("pack: warning: no document was kept, so no shard was written");
        }
    }

    private String problems(DocumentSource.Counts c) {
        if (c.malformed() + c.missingText() == 0) {
            return "the input is empty";
        }
        return String.format(Locale.ROOT, "%,d malformed line(s) and %,d record(s) without text, first: %s",
                c.malformed(), c.missingText(), c.firstProblem());
    }

    private Result alreadyDone(JobRun run) {
        Manifest.Written m = Manifest.read(run.out().path());
        Map<String, Long> t = counts(m.totals());
        run.log(config.out() + " already holds the complete output of this run; nothing to do");
        // The record fixing the plan started as "running": it ends as a run that had nothing left to do.
        run.record().outcome(new RunRecord.Outcome(t.get("sequences"), m.units(), 0, run.shard().toString()));
        run.finish(0);
        return new Result(t.get("documents_read"), t.get("documents_kept"),
                t.get("duplicates_in_run") + t.get("duplicates_of_store"), t.get("tokens_kept"), t.get("sequences"),
                m.shards().size(), t);
    }

    /** The input files' fingerprints (see {@link InputFingerprint}); a stream or URL by its name alone. */
    private static List<Map<String, Object>> fingerprint(TextInputs.Resolved input) {
        if (input.kind() == TextInputs.Kind.FILES) {
            return InputFingerprint.of(input.paths().stream().map(Path::of).toList());
        }
        return input.paths().stream().map(p -> Map.<String, Object>of("path", p)).toList();
    }
}
