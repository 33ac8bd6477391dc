package dev.sluice.text;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.Json;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.engine.TempDirs;
import dev.sluice.io.ArrowStreams;
import dev.sluice.io.DocumentSource;
import dev.sluice.io.TextInputs;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * pack: documents to fixed-length token sequences for LM training.
 *
 * <p>One reader thread reads documents in input order (stopping at {@code --max-samples}); the worker pool
 * tokenizes (and hashes) them in chunks; one thread takes the chunks back in order and applies the length
 * filter, exact dedup and packing, and DuckDB writes the sequences to Parquet shards of bounded size.
 * Shards are the work units, numbered in stream order: a rerun after a crash reads the input again and
 * skips the shards already committed. The dedup store takes the run's hashes only once the manifest is
 * written, so a failed run leaves it unchanged and its rerun makes the same decisions.
 */
public final class PackJob {
    static final String SQL = "pack/";
    static final String SPLIT = "train";
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
    private final long startNanos = System.nanoTime();
    private boolean estimated;
    private long lastReport = System.nanoTime();
    /** The progress bar on a terminal (else null: log lines every 5 s instead). */
    private Progress bar;

    public PackJob(PackConfig config, JobContext ctx, InputStream stdin) {
        this.config = config;
        this.ctx = ctx;
        this.stdin = stdin;
    }

    /** What a finished run produced. */
    public record Result(long documents, long kept, long duplicates, long tokensKept, long sequences, int shards,
                         Map<String, Object> totals) {}

    public Result run() {
        TextInputs.Resolved input = TextInputs.resolve(config.inputs(), config.format());
        if (input.unbounded() && config.maxSamples() == 0) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--max-samples is required when reading %s: it can stream without end, and the cap is what "
                            + "stops the run; give e.g. --max-samples 100000", input.kind() == TextInputs.Kind.STDIN
                            ? "standard input (--input -)" : "a remote URL (" + input.paths().get(0) + ")"));
        }
        Tokenizer tokenizer = Tokenizer.of(config.tokenizer());
        long capBytes = capBytes(config.shardSize());
        long rowMax = 8L * (config.seqLen() + 1) + 8;
        if (capBytes < rowMax) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "--shard-size %s cannot hold one sequence of --seq-len %d; give --shard-size %s or more",
                    Sizes.format(config.shardSize()), config.seqLen(),
                    Sizes.format((Math.max(rowMax + (64 << 10), (long) Math.ceil(rowMax / 0.95)) + 4095) & -4096)));
        }
        if (!ctx.shard().whole()) {
            throw SluiceException.usage("pack runs as one process; it does not split into shard tasks ("
                    + ctx.shard() + " from the scheduler's environment)");
        }
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit());
        ctx.log("pack: " + budget.describe());
        try (OutputDir out = OutputDir.open(config.out());
             MemoryMonitor memory = new MemoryMonitor()) {
            memory.stage("plan");
            Map<String, Object> plan = new LinkedHashMap<>();
            plan.put("job", "pack");
            plan.put("parameters", config.parameters());
            plan.put("inputs", fingerprint(input));
            plan = out.fixPlan(plan, List.of("job", "parameters", "inputs"));
            Path manifest = out.path().resolve(OutputDir.MANIFEST);
            if (Files.exists(manifest)) {
                return alreadyDone(manifest);
            }
            RunRecord record = new RunRecord("pack", config.parameters());
            Path tmp = ctx.tmpDir().resolve("sluice-pack-" + ProcessHandle.current().pid());
            try {
                out.removeTemporaryFiles();
                Result r = pack(input, tokenizer, budget, out, plan, memory, tmp, capBytes, record);
                ctx.log(memory.summary());
                return r;
            } catch (RuntimeException | Error e) {
                record.put("error", String.valueOf(e.getMessage()));
                try {
                    record.finish(out.path(), "failed", memory, 0);
                } catch (RuntimeException recordFailed) {
                    e.addSuppressed(recordFailed); // e.g. the disk is full: the first error is the one to show
                }
                throw e;
            } finally {
                TempDirs.deleteTree(tmp);
            }
        }
    }

    private Result pack(TextInputs.Resolved input, Tokenizer tokenizer, MemoryBudget budget, OutputDir out,
                        Map<String, Object> plan, MemoryMonitor memory, Path tmp, long capBytes, RunRecord record) {
        ctx.log(String.format(Locale.ROOT, "pack: %s (%s%s), %s, seq-len %d, dedup %s%s, %d worker(s)",
                input.describe(), input.format().name().toLowerCase(Locale.ROOT),
                input.totalBytes() > 0 ? ", " + Sizes.format(input.totalBytes()) : "", tokenizer.name(),
                config.seqLen(), config.dedup().name().toLowerCase(Locale.ROOT),
                config.dedupStore() == null ? "" : " with store " + config.dedupStore(), ctx.workers()));
        int committedBefore = 0;
        while (out.committedShards(committedBefore) != null) {
            committedBefore++;
        }
        if (committedBefore > 0) {
            ctx.log(String.format(Locale.ROOT, "pack: resuming: %d shard(s) already committed; the input is read "
                    + "again and packed up to their end without writing", committedBefore));
        }
        int rowGroupRows = (int) Math.max(1, ROW_GROUP_BYTES / (4L * config.seqLen()));
        List<Shard> shards = new ArrayList<>();
        PackStream.Stats stats;
        DedupStore store = null;
        // One DuckDB thread: its work here is one ordered stream to Parquet (and reading Parquet input). With
        // more threads its ordered COPY buffered row groups: +100 MB of RSS per 200 MB shard, measured.
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), 1,
                tmp.resolve("duckdb"), ctx.workers() * 2 + 2))) {
            if (config.dedup() == PackConfig.Dedup.EXACT) {
                store = config.dedupStore() != null ? DedupStore.open(config.dedupStore(), DEDUP_BUFFER)
                        : DedupStore.temporary(tmp.resolve("dedup"), DEDUP_BUFFER);
                if (store.storedBefore() > 0) {
                    ctx.log(String.format(Locale.ROOT, "pack: dedup store %s holds %,d hashes", config.dedupStore(),
                            store.storedBefore()));
                }
            }
            memory.stage("pack");
            long heap = Runtime.getRuntime().maxMemory();
            try (DocumentSource source = DocumentSource.open(input, config.textColumn(), config.maxSamples(), stdin,
                    duck);
                 DocumentPipeline pipeline = new DocumentPipeline(source, config.maxSamples(), tokenizer,
                         store != null, ctx.workers(), Math.min(SHARED_CACHE_BYTES, heap / 8),
                         Math.min(OWN_CACHE_BYTES, heap / 16 / ctx.workers()));
                 BufferAllocator alloc = new RootAllocator(budget.arrowBytes());
                 Connection copyConn = duck.connection()) {
                PackStream stream = new PackStream(pipeline, config, tokenizer, store, this::report);
                if (Progress.resolve(ctx.progress()) == Progress.Mode.BAR) {
                    bar = new Progress("pack", "%", "tokens", 100, Progress.Mode.BAR, ctx.err(), 0);
                }
                try {
                    for (int unit = 0; stream.peek() != null; unit++) {
                        shards.add(writeShard(stream, unit, out, alloc, copyConn, capBytes, rowGroupRows));
                    }
                } catch (SQLException e) {
                    if (stream.failure() != null) {
                        throw stream.failure();
                    }
                    throw SqlErrors.wrap(e, "writing shards to " + out.path());
                }
                stats = stream.stats();
                closeBar();
            } catch (SQLException e) {
                throw SqlErrors.wrap(e, "closing the DuckDB connection of " + out.path());
            }
            if (stats.documents == 0) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "no documents in %s: %s; give JSONL objects with a '%s' string field (or name it with "
                                + "--text-column), Parquet with that column, or plain text", input.describe(),
                        problems(stats.counts), config.textColumn()));
            }
            memory.stage("manifest");
            Map<String, Object> totals = totals(stats, tokenizer, store);
            Manifest.write(out, plan, shards.size(), totals);
            if (store != null) {
                store.commit();
            }
            long bytes = shards.stream().mapToLong(Shard::bytes).sum();
            double secs = (System.nanoTime() - startNanos) / 1e9;
            record.put("documents_kept", stats.kept).put("tokens", stats.tokensRead)
                    .put("tokens_per_second", Math.round(stats.tokensRead / secs)).put("sequences", stats.sequences)
                    .put("shards", shards.size()).put("bytes_out", bytes).put("totals", totals);
            record.finish(out.path(), "ok", memory, stats.documents);
            logSummary(stats, shards.size(), bytes, secs);
            return new Result(stats.documents, stats.kept, stats.duplicatesInRun + stats.duplicatesOfStore,
                    stats.tokensKept, stats.sequences, shards.size(), totals);
        } finally {
            closeBar();
            if (store != null) {
                store.close();
            }
        }
    }

    private Shard writeShard(PackStream stream, int unit, OutputDir out, BufferAllocator alloc, Connection conn,
                             long capBytes, int rowGroupRows) throws SQLException {
        String rel = Shard.name(SPLIT, unit, 0);
        List<Shard> committed = out.committedShards(unit);
        if (committed != null) {
            long rows = SequenceBatches.skip(stream, capBytes);
            if (committed.size() != 1 || committed.get(0).rows() != rows) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "%s holds shard %s of %d rows from an earlier run, but this run makes %d there: the input "
                                + "changed; delete %s to start over", out.path(), rel,
                        committed.isEmpty() ? 0 : committed.get(0).rows(), rows, out.path()));
            }
            return committed.get(0);
        }
        Path target = out.path().resolve(rel);
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw SluiceException.resource("cannot create " + target.getParent() + ": " + e.getMessage(), e);
        }
        String sql = Sql.load(SQL + "write_shard").bind("stream", Sql.ident("pack_stream_" + unit))
                .bind("path", Sql.literal(Shard.temporary(target).toString()))
                .bind("row_group_rows", Sql.number(rowGroupRows)).render();
        SequenceBatches batches = new SequenceBatches(stream, alloc, capBytes, BATCH_ROWS);
        long tokensBefore = stream.stats().tokensWritten;
        ArrowStreams.executeOver(conn, "pack_stream_" + unit, batches, alloc, sql);
        Shard shard = Shard.commit(out.path(), rel, batches.rows());
        out.commitUnit(unit, List.of(shard), Map.of("sequences", batches.rows(),
                "tokens", stream.stats().tokensWritten - tokensBefore));
        return shard;
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
     * Called after every chunk: prints the start-up estimate once, then moves the bar on a terminal, or
     * prints a progress line every 5 s.
     */
    private void report(PackStream.Stats s) {
        if (!estimated && (s.documents >= ESTIMATE_DOCS || s.fraction >= 0.999)) {
            estimated = true;
            ctx.log(estimate(s));
        }
        if (bar != null) {
            double share = !Double.isNaN(s.fraction) ? s.fraction
                    : config.maxSamples() > 0 ? (double) s.documents / config.maxSamples() : 0;
            bar.advanceTo(Math.round(100 * Math.min(1, share)), s.tokensRead);
        } else if (ctx.progress() != Progress.Mode.NONE && System.nanoTime() - lastReport > 5_000_000_000L) {
            lastReport = System.nanoTime();
            double secs = (lastReport - startNanos) / 1e9;
            ctx.log(String.format(Locale.ROOT, "pack: %,d documents, %,d tokens, %,d sequences, %,.0f tokens/s%s",
                    s.documents, s.tokensRead, s.sequences, s.tokensRead / secs,
                    Double.isNaN(s.fraction) ? "" : String.format(Locale.ROOT, ", %.0f%% of the input",
                            100 * s.fraction)));
        }
    }

    /** Documents, tokens and disk of the whole run, extrapolated from the documents read so far. */
    String estimate(PackStream.Stats s) {
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

    private Map<String, Object> totals(PackStream.Stats s, Tokenizer tokenizer, DedupStore store) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("documents_read", s.documents);
        t.put("malformed_lines", s.counts.malformed());
        t.put("missing_text", s.counts.missingText());
        t.put("too_short", s.tooShort);
        t.put("too_long", s.tooLong);
        t.put("truncated", s.truncated);
        t.put("duplicates_in_run", s.duplicatesInRun);
        t.put("duplicates_of_store", s.duplicatesOfStore);
        t.put("documents_kept", s.kept);
        t.put("tokens_read", s.tokensRead);
        t.put("tokens_kept", s.tokensKept);
        t.put("tokens_written", s.tokensWritten);
        t.put("pad_tokens", s.padTokens);
        t.put("dropped_tail_tokens", s.droppedTailTokens);
        t.put("sequences", s.sequences);
        t.put("end_of_text_id", tokenizer.endOfText());
        if (store != null && config.dedupStore() != null) {
            t.put("store_hashes_before", store.storedBefore());
            t.put("store_hashes_added", store.added());
        }
        return t;
    }

    private void logSummary(PackStream.Stats s, int shards, long bytes, double secs) {
        ctx.log(String.format(Locale.ROOT, "pack: read %,d documents%s; dropped %,d too short, %,d too long "
                        + "(%,d truncated); duplicates %,d within the run, %,d already in the store",
                s.documents, s.counts.malformed() + s.counts.missingText() > 0 ? String.format(Locale.ROOT,
                        " (skipped %,d malformed lines, %,d without text; first: %s)", s.counts.malformed(),
                        s.counts.missingText(), s.counts.firstProblem()) : "",
                s.tooShort, s.tooLong, s.truncated, s.duplicatesInRun, s.duplicatesOfStore));
        ctx.log(String.format(Locale.ROOT, "pack: kept %,d documents, %,d tokens; wrote %,d sequences (%,d tokens) "
                        + "in %d shard(s), %s; %,d tokens read in %.1f s, %,.0f tokens/s",
                s.kept, s.tokensKept, s.sequences, s.tokensWritten, shards, Sizes.format(bytes), s.tokensRead, secs,
                s.tokensRead / secs));
        if (s.kept == 0) {
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

    private Result alreadyDone(Path manifest) {
        Map<String, Object> m = Json.read(manifest);
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) m.get("totals");
        ctx.log("pack: " + config.out() + " already holds the complete output of this run; nothing to do");
        long dups = ((Number) t.get("duplicates_in_run")).longValue()
                + ((Number) t.get("duplicates_of_store")).longValue();
        return new Result(((Number) t.get("documents_read")).longValue(),
                ((Number) t.get("documents_kept")).longValue(), dups, ((Number) t.get("tokens_kept")).longValue(),
                ((Number) t.get("sequences")).longValue(), ((Number) m.get("units")).intValue(), t);
    }

    private static List<Map<String, Object>> fingerprint(TextInputs.Resolved input) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String p : input.paths()) {
            if (input.kind() != TextInputs.Kind.FILES) {
                out.add(Map.of("path", p));
                continue;
            }
            Path f = Path.of(p);
            try {
                out.add(Map.of("path", p, "bytes", Files.size(f), "modified", Files.getLastModifiedTime(f).toMillis()));
            } catch (IOException e) {
                throw SluiceException.input("cannot read input file " + f + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

}
