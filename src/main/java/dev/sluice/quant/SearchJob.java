package dev.sluice.quant;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.WarmUp;
import dev.sluice.io.CodeShards;
import dev.sluice.io.ResultFiles;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorIo;
import dev.sluice.knn.CodeSearch;
import dev.sluice.knn.HeldCodes;
import dev.sluice.knn.Neighbors;
import dev.sluice.knn.ScanWarmUp;
import dev.sluice.shard.OutputDir;
import dev.sluice.simd.Kernels;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * search: top-k of each query over the codes of a compress output (asymmetric distances), optionally
 * re-ranked by exact distance over the base, written to {@code --out}. Query numbers in the output are 0-based
 * rows of the query file.
 */
public final class SearchJob {
    private final SearchConfig config;
    private final JobContext ctx;

    public SearchJob(SearchConfig config, JobContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** Neighbours found and how fast. */
    public record Result(Neighbors neighbors, int queries, double seconds, double qps) {}

    /** What search's run record says. */
    public record Figures(int queries, double searchSeconds, double qps, String kernels,
                          Map<String, Object> quantizer) {}

    public Result run() {
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit());
        CodesDir codes = CodesDir.open(config.codes());
        // The scan kernels compile on the other core while DuckDB starts and the queries load.
        WarmUp warmUp = ScanWarmUp.start(codes.quantizer()::scorer, codes.quantizer().dim(),
                codes.quantizer().codeBytes());
        try (warmUp;
             MemoryMonitor memory = new MemoryMonitor(budget.totalBytes());
             Session s = Session.open(budget, ctx, config.codes())) {
            checkBase(codes, s);
            RunRecord record = new RunRecord("search", config.parameters(), memory.started()).label(ctx.label());
            memory.stage("queries");
            float[] queries = readAll(config.queries(), queryColumn(codes), null, s, codes.quantizer().dim());
            int nq = queries.length / codes.quantizer().dim();
            warmUp.close();
            memory.stage("search");
            long t0 = System.nanoTime();
            Neighbors nb = search(codes, queries, nq, config.k(), config.rerank(), s, ctx.workers());
            double seconds = (System.nanoTime() - t0) / 1e9;
            double qps = nq / Math.max(seconds, 1e-9);
            if (config.out() != null) {
                memory.stage("write");
                ResultFiles.write(config.out(), nb.ids(), nb.distances(), s.duck());
            }
            record.figures(new Figures(nq, seconds, qps, Kernels.get().name(), codes.quantizer().describe()));
            record.finish(config.codes(), "ok", memory, nq);
            ctx.log(String.format(Locale.ROOT, "search: %d queries over %,d codes in %.3f s (%,.0f queries/s)%s",
                    nq, codes.rows(), seconds, qps, config.out() == null ? "" : "; wrote " + config.out()));
            return new Result(nb, nq, seconds, qps);
        }
    }

    String queryColumn(CodesDir codes) {
        if (config.queryColumn() != null) {
            return config.queryColumn();
        }
        return config.column() != null ? config.column() : codes.parameter("column");
    }

    /** ADC top-k, or top-rerank then exact re-ranking to k. */
    Neighbors search(CodesDir codes, float[] queries, int nq, int k, int rerank, Session s, int workers) {
        try (VectorReader base = rerank > 0 ? openBase(codes, s) : null) {
            return search(codes, queries, nq, k, rerank, base, s, workers);
        }
    }

    /** The same, re-ranking from an open {@code base} (see below). */
    Neighbors search(CodesDir codes, float[] queries, int nq, int k, int rerank, VectorReader base, Session s,
                     int workers) {
        Quantizer q = codes.quantizer();
        int dim = q.dim();
        try (CodeShards.Reader r = s.io().codes(codes.shards(), q.codeBytes())) {
            Neighbors nb = CodeSearch.search(i -> q.scorer(queries, i * dim), nq, q.codeBytes(), r,
                    rerank > 0 ? rerank : k, workers);
            return rerank > 0 ? CodeSearch.rerank(nb, queries, base, k, workers) : nb;
        }
    }

    /**
     * The same over codes held in memory (for repeated passes), re-ranking from an open {@code base}: a base kept
     * open between passes keeps its mapped pages, where a new mapping faults each candidate's page in again.
     */
    Neighbors search(CodesDir codes, HeldCodes held, float[] queries, int nq, int k, int rerank, VectorReader base,
                     int workers) {
        Quantizer q = codes.quantizer();
        int dim = q.dim();
        Neighbors nb = CodeSearch.search(i -> q.scorer(queries, i * dim), nq, held, rerank > 0 ? rerank : k,
                workers);
        return rerank > 0 ? CodeSearch.rerank(nb, queries, base, k, workers) : nb;
    }

    /**
     * Refuses, before any work, a {@code --base} other than the vectors the codes were made from: its row numbers
     * are the codes' ids, so a base of other rows re-ranks to too few neighbours or to ids it does not hold.
     */
    void checkBase(CodesDir codes, Session s) {
        if (config.base() != null) {
            openBase(codes, s).close();
        }
    }

    /** Opens {@code --base}, checked to hold as many vectors as the codes, of their dimension. */
    VectorReader openBase(CodesDir codes, Session s) {
        String col = config.column() != null ? config.column() : codes.parameter("column");
        String id = config.idColumn() != null ? config.idColumn() : codes.parameter("id_column");
        VectorReader r = s.io().open(config.base(), col, id);
        long rows = r.count();
        if (r.dim() != codes.dim() || rows != codes.rows()) {
            r.close();
            throw SluiceException.input(String.format(Locale.ROOT, "--base %s holds %,d vector%s of %d dimensions, "
                    + "but the codes in %s were made from %,d vectors of %d dimensions (%s; compress --input %s): "
                    + "give as --base the file compress encoded", config.base(), rows, rows == 1 ? "" : "s",
                    r.dim(), codes.dir(), codes.rows(), codes.dim(), codes.dir().resolve(OutputDir.MANIFEST),
                    codes.parameter("input")));
        }
        return r;
    }

    /** Reads every vector of a (small) query file into one array, checking its dimension. */
    static float[] readAll(String input, String column, String idColumn, Session s, int dim) {
        try (VectorReader r = s.io().open(input, column, idColumn)) {
            if (r.dim() != dim) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "--queries %s has %d dimensions, the codes have %d", input, r.dim(), dim));
            }
            long n = r.count();
            if (n * dim > Integer.MAX_VALUE - 16) {
                throw SluiceException.usage("--queries " + input + " has too many vectors to hold at once; split it");
            }
            float[] all = new float[(int) (n * dim)];
            VectorBatch b = r.newBatch(4096);
            while (r.next(b)) {
                System.arraycopy(b.data, 0, all, (int) (b.firstRow * dim), b.rows * dim);
            }
            return all;
        }
    }

    /** The DuckDB session and vector I/O a search or eval reads through. */
    record Session(DuckSession duck, VectorIo io) implements AutoCloseable {
        static Session open(MemoryBudget budget, JobContext ctx, Path codes) {
            Path tmp = ctx.tmpDir().resolve("sluice-search-" + ProcessHandle.current().pid());
            DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), ctx.workers(), tmp,
                    ctx.workers() + 2));
            return new Session(duck, new VectorIo(duck, budget.arrowBytes()));
        }

        @Override
        public void close() {
            try (duck; io) {
                // vector I/O first, then DuckDB
            }
        }
    }
}
