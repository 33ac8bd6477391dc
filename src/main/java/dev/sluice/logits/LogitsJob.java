package dev.sluice.logits;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryPolicy;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import dev.sluice.engine.WorkerThreads;
import dev.sluice.io.ArrowStreams;
import dev.sluice.shard.InputFingerprint;
import dev.sluice.shard.JobRun;
import dev.sluice.shard.JobRuntime;
import dev.sluice.shard.JobSpec;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Plan;
import dev.sluice.shard.Shard;
import dev.sluice.simd.Kernels;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * {@code sluice logits}: for every token of pack's sequences, the teacher's k most probable next tokens and their
 * log-probabilities, one cache shard per pack shard (the cache's units), resumable and split into shard tasks
 * like every job. Before any work it checks the teacher's vocabulary against the largest token id and the free
 * disk against the cache's size.
 */
public final class LogitsJob implements JobRuntime.Job<LogitsJob.Result> {
    /**
     * A small heap (a window of top-k output, about a Parquet row group: tens of MB) and Arrow's eighth; the rest of
     * the budget is the teacher's and its logits' (see {@link LogitsMemory}).
     */
    public static final JobSpec SPEC = new JobSpec("logits", new MemoryPolicy(50, 64L << 20, 0, 1.0 / 8),
            List.of(), JobSpec.Ownership.TURNS, "shard(s)", JobSpec.SUM_OF_UNITS);
    static final String SQL = "logits/";
    /** Bytes of one cache entry before compression: an int32 id and a float16 log-probability. */
    public static final int ENTRY_BYTES = 6;
    /** Parquet row groups of about this much: DuckDB buffers one (and a bit) while it writes. */
    static final long ROW_GROUP_BYTES = 8L << 20;

    public record Result(long sequences, long tokens, long entries, int shards, long bytes, int unitsRun) {}

    /** What the run record adds for logits. */
    public record Figures(String teacher, int vocab, int topK, long logitsBufferBytes, int windowRows, String kernels,
                          double tokensPerSecond, double teacherSeconds, double selectSeconds) {}

    /** One pack shard's sequences, real tokens and largest token id (up to the sample cap). */
    record PartStats(long sequences, long tokens, long maxId) {}

    private final LogitsConfig config;
    private final JobContext ctx;

    public LogitsJob(LogitsConfig config, JobContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** The sequences a run of {@code config} caches (pack's, up to --max-samples): what estimate scales by. */
    public static long sequences(LogitsConfig config) {
        return PackInput.read(config.input(), config.maxSamples()).sequences();
    }

    /** The real tokens of the sequences a run of {@code config} caches: what the cache's size is counted in. */
    public static long tokens(LogitsConfig config, DuckSession duck) {
        return stats(duck, PackInput.read(config.input(), config.maxSamples())).stream()
                .mapToLong(PartStats::tokens).sum();
    }

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
    public void check(JobContext ctx) {
        if (config.out() == null) {
            throw SluiceException.usage("--out is required");
        }
    }

    @Override
    public Result execute(JobRun run) throws Exception {
        run.stage("plan");
        PackInput input = PackInput.read(config.input(), config.maxSamples());
        if (input.parts().isEmpty()) {
            throw SluiceException.input("--input " + config.input() + " holds no sequences");
        }
        int k = config.topK();
        try (Teacher teacher = Teacher.open(config.teacher(), ctx.workers(), config.cuda())) {
            Teacher.Identity id = teacher.identity();
            if (k > id.vocab()) {
                throw SluiceException.usage(String.format(Locale.ROOT, "--top-k %d exceeds the teacher's vocabulary "
                        + "of %,d ids", k, id.vocab()));
            }
            LogitsMemory memory = LogitsMemory.plan(run.budget(), id.bytes(), id.vocab(), input.seqLen(), k);
            run.log("teacher %s (%s, vocabulary %,d, SHA-256 %s…), top %d, %s; logits buffer %s (%,d tokens a "
                    + "batch), windows of %d sequence(s), %d worker(s)", id.file(), Sizes.format(id.bytes()),
                    id.vocab(), id.sha256().substring(0, 12), k, config.cuda() ? "CUDA" : "CPU",
                    Sizes.format(memory.logitsBytes()), memory.batchTokens(id.vocab()), memory.windowRows(),
                    ctx.workers());
            try (DuckSession duck = new DuckSession(new DuckSession.Settings(memory.duckdbBytes(), 1,
                    run.tmp().resolve("duckdb"), 3))) {
                List<PartStats> stats = stats(duck, input);
                checkVocabulary(input, stats, id.vocab());
                Map<String, Object> parameters = config.parameters();
                parameters.putAll(id.toParameters());
                Plan plan = run.fixPlan(Plan.of(SPEC.name(), parameters, InputFingerprint.of(List.of(input.manifest())))
                        .withUnits(input.parts().size()));
                JobRun.Units units = run.units(plan.units());
                long todoTokens = units.todo().stream().mapToLong(u -> stats.get(u).tokens()).sum();
                checkDisk(run.out().path(), todoTokens, k);
                return cache(run, plan, input, stats, units, teacher, memory, duck, todoTokens);
            }
        }
    }

    private Result cache(JobRun run, Plan plan, PackInput input, List<PartStats> stats, JobRun.Units units,
                         Teacher teacher, LogitsMemory memory, DuckSession duck, long todoTokens) throws Exception {
        int k = config.topK();
        run.stage("logits");
        long start = System.nanoTime();
        AtomicLong tokensDone = new AtomicLong();
        AtomicLong sequencesDone = new AtomicLong();
        long bytes = 0;
        long rowsIn = 0;
        double teacherSeconds;
        double selectSeconds;
        ExecutorService workers = WorkerThreads.workers(ctx.workers());
        try (Progress progress = new Progress("logits", "tokens", "sequences", todoTokens, ctx.progress(),
                ctx.err(), 5000, run.budget().totalBytes());
             WindowScorer scorer = new WindowScorer(teacher, k, memory.logitsBytes(), Kernels.get(), workers,
                     ctx.workers());
             BufferAllocator alloc = new RootAllocator(run.budget().arrowBytes())) {
            for (int u : units.todo()) {
                PackInput.Part part = input.parts().get(u);
                Shard shard = writeShard(run.out(), u, part, duck, scorer, alloc, memory, input.seqLen(), s -> {
                    progress.advanceTo(tokensDone.addAndGet(s), sequencesDone.get());
                });
                sequencesDone.addAndGet(shard.rows());
                PartStats st = stats.get(u);
                if (shard.rows() != st.sequences()) {
                    throw SluiceException.internal(String.format(Locale.ROOT, "%s: wrote %,d rows of %,d sequences",
                            shard.path(), shard.rows(), st.sequences()), null);
                }
                Map<String, Long> counts = new LinkedHashMap<>();
                counts.put("sequences", st.sequences());
                counts.put("tokens", st.tokens());
                counts.put("entries", st.tokens() * k);
                run.out().commitUnit(u, List.of(shard), counts);
                bytes += shard.bytes();
                rowsIn += shard.rows();
            }
            teacherSeconds = scorer.teacherSeconds();
            selectSeconds = scorer.selectSeconds();
        } finally {
            workers.shutdownNow();
        }
        double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
        long tokens = tokensDone.get();
        if (!units.todo().isEmpty()) {
            run.log("%,d tokens of %,d sequences in %.1f s (teacher %.1f s, top-k %.1f s): %,.0f tokens/s, %s of "
                    + "shards (%.2f bytes an entry)", tokens, rowsIn, seconds, teacherSeconds, selectSeconds,
                    tokens / seconds, Sizes.format(bytes), tokens == 0 ? 0.0 : (double) bytes / (tokens * (double) k));
        }
        Manifest.Written written = run.writeManifestIfWhole(plan);
        if (written == null) {
            run.log("shard task " + run.shard() + " done" + run.mergeHint());
        }
        Teacher.Identity id = teacher.identity();
        run.record().outcome(new RunRecord.Outcome(rowsIn, plan.units(), units.todo().size(), run.shard().toString()))
                .figures(new Figures(id.file(), id.vocab(), k, memory.logitsBytes(), memory.windowRows(),
                        Kernels.get().name(), tokens / seconds, teacherSeconds, selectSeconds));
        run.finish(rowsIn);
        if (written != null) {
            Map<String, Object> t = written.totals();
            return new Result(number(t, "sequences"), number(t, "tokens"), number(t, "entries"),
                    written.shards().size(), written.shards().stream().mapToLong(Shard::bytes).sum(),
                    units.todo().size());
        }
        return new Result(rowsIn, tokens, tokens * k, units.todo().size(), bytes, units.todo().size());
    }

    private static long number(Map<String, Object> totals, String key) {
        return ((Number) totals.get(key)).longValue();
    }

    private Shard writeShard(OutputDir out, int unit, PackInput.Part part, DuckSession duck, WindowScorer scorer,
                             BufferAllocator alloc, LogitsMemory memory, int seqLen,
                             java.util.function.LongConsumer tokensDone) throws SQLException {
        String rel = Shard.name(part.split(), unit, 0);
        Path target = out.path().resolve(rel);
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw SluiceException.cannotWrite(target.getParent(), e);
        }
        int rowGroupRows = (int) Math.max(1, ROW_GROUP_BYTES / (8L * seqLen * config.topK()));
        String view = "logits_stream_" + unit;
        String write = Sql.load(SQL + "write_shard").bind("stream", Sql.ident(view))
                .bind("path", Sql.literal(Shard.temporary(target).toString()))
                .bind("row_group_rows", Sql.number(rowGroupRows)).render();
        String read = Sql.load(SQL + "read_shard").bind("path", Sql.literal(part.file().toString()))
                .bind("rows", Sql.number(part.rows())).render();
        try (Connection reading = duck.connection(); Connection writing = duck.connection();
             ArrowStreams.QueryBatches in = ArrowStreams.query(reading, read, alloc, memory.windowRows())) {
            CacheBatches batches = new CacheBatches(in.reader(), scorer, alloc, part.firstSeq(), tokensDone);
            ArrowStreams.executeOver(writing, view, batches, alloc, write);
            return Shard.commit(out.path(), rel, batches.rows());
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "writing the cache shard " + rel + " from " + part.file());
        } catch (Exception e) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw SluiceException.internal("writing the cache shard " + rel + ": " + e.getMessage(), e);
        }
    }

    private static List<PartStats> stats(DuckSession duck, PackInput input) {
        List<PartStats> out = new ArrayList<>();
        try (Connection c = duck.connection(); Statement st = c.createStatement()) {
            for (PackInput.Part p : input.parts()) {
                String sql = Sql.load(SQL + "unit_stats").bind("path", Sql.literal(p.file().toString()))
                        .bind("rows", Sql.number(p.rows())).render();
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    out.add(new PartStats(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading pack's shards under " + input.dir());
        }
        return out;
    }

    private static void checkVocabulary(PackInput input, List<PartStats> stats, int vocab) {
        long maxId = stats.stream().mapToLong(PartStats::maxId).max().orElse(-1);
        if (maxId >= vocab) {
            throw SluiceException.input(String.format(Locale.ROOT, "the teacher's vocabulary has %,d ids, but %s holds "
                    + "token id %,d: pack the text with the teacher's own tokenizer (pack --tokenizer)", vocab,
                    input.dir(), maxId));
        }
    }

    /** Refuses to start when the cache would not fit: {@code tokens × k × 6} bytes, before compression. */
    private void checkDisk(Path out, long tokens, int k) {
        if (config.skipDiskCheck() || tokens == 0) {
            return;
        }
        long need = tokens * k * ENTRY_BYTES;
        long free;
        try {
            free = Files.getFileStore(out).getUsableSpace();
        } catch (IOException e) {
            return; // no figure to compare with
        }
        if (need > free) {
            throw SluiceException.resource(String.format(Locale.ROOT, "the cache needs about %s (%,d tokens × top %d "
                    + "× %d bytes, an int32 id and a float16 log-probability each, before compression) and %s is "
                    + "free under %s; free space, lower --top-k or --max-samples, or pass --skip-disk-check (sluice "
                    + "estimate logits measures the compressed size)", Sizes.format(need), tokens, k, ENTRY_BYTES,
                    Sizes.format(free), out), null);
        }
    }

    @Override
    public String budgetNote() {
        return "; of DuckDB's share, DuckDB keeps its minimum and the teacher and its logits take the rest";
    }
}
